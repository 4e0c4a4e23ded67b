using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

/// <summary>Power loss mid-append, modelled by what it leaves on disk: a record cut short, or stray bytes after zeros.</summary>
public sealed class CrashRecoveryTests
{
    private static byte[] PartialRecord(long index, int keep)
    {
        var record = new byte[32 + 100];
        record[1] = 0x01;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(2), 1);
        BinaryPrimitives.WriteInt32BigEndian(record.AsSpan(4), 100);
        BinaryPrimitives.WriteInt64BigEndian(record.AsSpan(8), index);
        return record[..keep];
    }

    public static TheoryData<string> Tails => new() { "partial-header", "partial-payload", "zeros-then-bytes" };

    [Theory]
    [MemberData(nameof(Tails))]
    public async Task Open_TornTail_SetAsideRecordedAndLogVerifies(string tail)
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(50, 20).ToList());
        var last = SegmentLayout.Segments(dir.Path)[^1];
        var torn = tail switch
        {
            "partial-header" => PartialRecord(20, 13),
            "partial-payload" => PartialRecord(20, 70),
            _ => [.. new byte[4096], 0x5a], // reserved zeros, then a byte of a later page: not only zeros, so torn
        };
        var lengthBefore = new FileInfo(last).Length;
        await File.AppendAllBytesAsync(last, torn);
        Assert.False(LedgerVerifier.Verify(dir.Path).Ok);

        await using (var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System))
        {
            var recovered = Assert.Single(writer.RecoveredTornTails);
            Assert.Equal(20, recovered.EntryIndex);
            Assert.Equal(20, recovered.FirstIndex);
            Assert.Equal(lengthBefore, recovered.Offset);
            // Trailing zeros are reserved space, not torn bytes: they are not set aside.
            var setAside = torn.AsSpan().TrimEnd((byte)0).ToArray();
            Assert.Equal(setAside, await File.ReadAllBytesAsync(Path.Combine(dir.Path, recovered.SetAsideFile)));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(setAside)), recovered.Sha256);
            Assert.Equal(21, writer.Count);
            Assert.Equal(21, writer.LatestCheckpoint!.TreeSize);
            writer.Append(LedgerEntryKind.Finding, "after the crash"u8);
        }

        var result = LedgerVerifier.Verify(dir.Path);
        Assert.True(result.Ok, result.Problem?.ToString());
        Assert.Equal(22, result.TreeSize);
        Assert.Contains(result.Warnings, w => w.Contains("torn tail", StringComparison.Ordinal));
        using var reader = LedgerReader.Open(dir.Path);
        var entry = reader.ReadEntry(20);
        Assert.Equal(LedgerEntryKind.TornTail, entry.Kind);
        using var json = JsonDocument.Parse(entry.Payload);
        Assert.Equal(torn.AsSpan().TrimEnd((byte)0).Length, json.RootElement.GetProperty("length").GetInt64());
        Assert.Equal(Path.GetFileName(last), json.RootElement.GetProperty("file").GetString());
    }

    [Fact]
    public async Task Open_DamageBelowSignedCheckpoint_RefusesAndChangesNothing()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(50, 20).ToList());
        var victim = SegmentLayout.Records(dir.Path)[^2];
        File.Delete(Path.Combine(dir.Path, "tree-state.tgs")); // without the resume cache the whole log is re-hashed
        var bytes = await File.ReadAllBytesAsync(victim.SegmentPath);
        bytes[victim.Offset + 30] ^= 0xff;
        await File.WriteAllBytesAsync(victim.SegmentPath, bytes);

        var error = Assert.Throws<InvalidDataException>(() => LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System));
        Assert.Contains(Path.GetFileName(victim.SegmentPath), error.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {victim.Offset}", error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(victim.SegmentPath));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "torn")));
    }

    [Fact]
    public async Task Open_TornCheckpoint_SetAsideAndRecorded()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(10, 5).ToList());
        var path = Path.Combine(dir.Path, "checkpoints.tgc");
        var original = await File.ReadAllBytesAsync(path);
        await File.AppendAllBytesAsync(path, original[..40]);

        await using (var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System))
        {
            var recovered = Assert.Single(writer.RecoveredTornTails);
            Assert.Equal("checkpoints.tgc", recovered.Segment);
            Assert.Equal(40, recovered.Length);
        }

        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }

    [Fact]
    public async Task Open_EntriesRemovedBelowCheckpoint_Refuses()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(10, 5).ToList());
        var last = SegmentLayout.Records(dir.Path)[^1];
        using (var file = new FileStream(last.SegmentPath, FileMode.Open))
        {
            file.SetLength(last.Offset);
        }

        var error = Assert.Throws<InvalidDataException>(() => LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System));
        Assert.Contains("4 entries", error.Message, StringComparison.Ordinal);
    }
}
