using System.Buffers.Binary;
using System.Security.Cryptography;
using FsCheck.Xunit;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

/// <summary>Every kind of tampering is detected, and the verifier names the first entry it affects.</summary>
public sealed class TamperTests
{
    private static List<int> Sizes(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(0, 300)).ToList();
    }

    private static async Task<(TempDirectory Dir, List<RecordLocation> Records)> LogAsync(byte count, int seed)
    {
        var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Sizes((count % 40) + 2, seed));
        var records = SegmentLayout.Records(dir.Path);
        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
        return (dir, records);
    }

    [Property(MaxTest = 60)]
    public async Task Verify_AnyByteOfAnySegmentFlipped_FailsAtThatEntry(byte count, int seed, int where, byte bit)
    {
        var (dir, records) = await LogAsync(count, seed);
        using var _ = dir;
        var segments = SegmentLayout.Segments(dir.Path);
        var sizes = segments.Select(s => new FileInfo(s).Length).ToList();
        var position = (long)((uint)where % sizes.Sum());
        var segment = 0;
        while (position >= sizes[segment])
        {
            position -= sizes[segment++];
        }

        var path = segments[segment];
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[position] ^= (byte)(1 << (bit % 8));
        await File.WriteAllBytesAsync(path, bytes);

        // The entry that holds the byte, or for a header byte the segment's first entry.
        var expected = records.Where(r => r.SegmentPath == path && r.Offset <= position).Select(r => r.Index)
            .DefaultIfEmpty(records.First(r => r.SegmentPath == path).Index).Max();
        var result = LedgerVerifier.Verify(dir.Path);
        Assert.False(result.Ok);
        Assert.Equal(expected, result.Problem!.EntryIndex);
        Assert.Equal(expected, result.TreeSize);
    }

    [Property(MaxTest = 40)]
    public async Task Verify_EntryDeleted_FailsAtThatEntry(byte count, int seed, int which)
    {
        var (dir, records) = await LogAsync(count, seed);
        using var _ = dir;
        var victim = records[(int)((uint)which % records.Count)];
        Splice(victim, []);
        var result = LedgerVerifier.Verify(dir.Path);
        Assert.False(result.Ok);
        Assert.Equal(victim.Index, result.Problem!.EntryIndex);
    }

    [Property(MaxTest = 40)]
    public async Task Verify_EntryDuplicated_FailsAtTheCopy(byte count, int seed, int which)
    {
        var (dir, records) = await LogAsync(count, seed);
        using var _ = dir;
        var victim = records[(int)((uint)which % records.Count)];
        var record = SegmentLayout.ReadRecord(victim);
        Splice(victim, [.. record, .. record]);
        var result = LedgerVerifier.Verify(dir.Path);
        Assert.False(result.Ok);
        Assert.Equal(victim.Index + 1, result.Problem!.EntryIndex);
    }

    [Property(MaxTest = 40)]
    public async Task Verify_TwoEntriesSwapped_FailsAtTheFirst(byte count, int seed, int which)
    {
        var (dir, records) = await LogAsync(count, seed);
        using var _ = dir;

        // Swap a record with its successor in the same segment (a cross-segment swap is a delete plus an insert).
        var pairs = records.Zip(records.Skip(1)).Where(p => p.First.SegmentPath == p.Second.SegmentPath).ToList();
        if (pairs.Count == 0)
        {
            return;
        }

        var (a, b) = pairs[(int)((uint)which % pairs.Count)];
        var first = SegmentLayout.ReadRecord(a);
        var second = SegmentLayout.ReadRecord(b);
        Splice(a with { Length = a.Length + b.Length }, [.. second, .. first]);
        var result = LedgerVerifier.Verify(dir.Path);
        Assert.False(result.Ok);
        Assert.Equal(a.Index, result.Problem!.EntryIndex);
    }

    [Property(MaxTest = 40)]
    public async Task Verify_LogTruncatedAnywhere_FailsAtFirstMissingEntry(byte count, int seed, int where)
    {
        var (dir, records) = await LogAsync(count, seed);
        using var _ = dir;
        var victim = records[(int)((uint)where % records.Count)];
        var cut = victim.Offset + ((uint)where % victim.Length); // inside or at the start of the victim
        using (var file = new FileStream(victim.SegmentPath, FileMode.Open))
        {
            file.SetLength(cut);
        }

        foreach (var later in SegmentLayout.Segments(dir.Path).Where(s => string.CompareOrdinal(s, victim.SegmentPath) > 0))
        {
            File.Delete(later);
        }

        var result = LedgerVerifier.Verify(dir.Path);
        Assert.False(result.Ok);
        Assert.Equal(victim.Index, result.Problem!.EntryIndex);
    }

    [Property(MaxTest = 30)]
    public async Task Verify_EntryRewrittenWithValidCheck_FailsWithinItsCheckpointInterval(byte count, int seed, int which)
    {
        // A forger who recomputes the check bytes still cannot match the signed root.
        using var dir = new TempDirectory();
        var n = (count % 40) + 2;
        await TestLedger.WriteAsync(dir.Path, Sizes(n, seed), checkpointEvery: 5);
        var records = SegmentLayout.Records(dir.Path);
        var victim = records[(int)((uint)which % records.Count)];
        var record = SegmentLayout.ReadRecord(victim);
        record[24 + ((uint)which % Math.Max(1, record.Length - 32))] ^= 0x20;
        if (record.Length == 32)
        {
            record[16] ^= 0x01; // no payload: alter the timestamp instead
        }

        SHA256.HashData(record.AsSpan(0, record.Length - 8)).AsSpan(0, 8).CopyTo(record.AsSpan(record.Length - 8));
        Splice(victim, record);

        var result = LedgerVerifier.Verify(dir.Path);
        Assert.False(result.Ok);
        Assert.Equal("root-mismatch", result.Problem!.Kind);
        var intervalStart = victim.Index / 5 * 5;
        Assert.Equal(intervalStart, result.Problem.EntryIndex);
        Assert.Equal(intervalStart, result.TreeSize);
    }

    [Property(MaxTest = 30)]
    public async Task Verify_CheckpointByteFlipped_Fails(byte count, int seed, int where, byte bit)
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Sizes((count % 20) + 2, seed), checkpointEvery: 3);
        var path = Path.Combine(dir.Path, "checkpoints.tgc");
        var bytes = await File.ReadAllBytesAsync(path);
        var position = (int)((uint)where % bytes.Length);
        bytes[position] ^= (byte)(1 << (bit % 8));
        await File.WriteAllBytesAsync(path, bytes);
        var result = LedgerVerifier.Verify(dir.Path);
        Assert.False(result.Ok);
        Assert.Equal("checkpoints.tgc", result.Problem!.File);
        Assert.Equal(position / 152 * 152, result.Problem.Offset ?? 0);
    }

    [Fact]
    public async Task Verify_CheckpointsRemovedFromEnd_StillVerifiesWhatRemains()
    {
        // Documented limit: dropping trailing checkpoints and entries together is only caught by someone who kept a
        // later checkpoint (a witness); what remains is still internally consistent.
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(8, 12).ToList(), checkpointEvery: 4);
        var path = Path.Combine(dir.Path, "checkpoints.tgc");
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..152]);
        var result = LedgerVerifier.Verify(dir.Path);
        Assert.True(result.Ok);
        Assert.Equal(4, result.SignedSize);
        Assert.Equal(8, result.UnsignedEntries);
    }

    private static void Splice(RecordLocation at, byte[] replacement)
    {
        var bytes = File.ReadAllBytes(at.SegmentPath);
        var result = bytes[..(int)at.Offset].Concat(replacement).Concat(bytes[(int)(at.Offset + at.Length)..]).ToArray();
        File.WriteAllBytes(at.SegmentPath, result);
        _ = BinaryPrimitives.ReadInt64BigEndian(result.AsSpan(16)); // header still intact
    }
}
