using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

public sealed class LedgerWriterTests
{
    [Fact]
    public async Task Append_ThenReopen_EntriesReadBackInOrder()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(TestLedger.Start);
        await using (var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), time))
        {
            Assert.Equal(0, writer.Append(LedgerEntryKind.Finding, "{\"a\":1}"u8));
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(1, writer.Append(LedgerEntryKind.Incident, "{\"b\":2}"u8));
        }

        await using (var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), time))
        {
            Assert.Equal(2, writer.Count);
            Assert.Equal(2, writer.Append(LedgerEntryKind.Release, []));
        }

        using var reader = LedgerReader.Open(dir.Path);
        var entries = reader.ReadEntries(0, 10);
        Assert.Equal([0L, 1, 2], entries.Select(e => e.Index));
        Assert.Equal([LedgerEntryKind.Finding, LedgerEntryKind.Incident, LedgerEntryKind.Release], entries.Select(e => e.Kind));
        Assert.Equal("{\"b\":2}", Encoding.UTF8.GetString(entries[1].Payload.Span));
        Assert.Equal(TestLedger.Start.AddSeconds(1), entries[1].Timestamp);
        Assert.Equal(3, reader.LatestCheckpoint!.TreeSize);
    }

    [Fact]
    public async Task DisposeAsync_AfterAppends_SignsFinalCheckpointOverAllEntries()
    {
        using var dir = new TempDirectory();
        var sizes = Enumerable.Range(0, 300).Select(i => i % 70).ToList();
        await TestLedger.WriteAsync(dir.Path, sizes);
        using var reader = LedgerReader.Open(dir.Path);
        var checkpoint = reader.LatestCheckpoint!;
        Assert.Equal(300, checkpoint.TreeSize);
        Assert.True(reader.PublicKey!.Verify(checkpoint));
        Assert.Equal(checkpoint.RootHash, reader.ComputeRoot(300));
        Assert.True(SegmentLayout.Segments(dir.Path).Count > 3, "small segments roll over");

        var result = LedgerVerifier.Verify(dir.Path);
        Assert.True(result.Ok, result.Problem?.ToString());
        Assert.Equal(300, result.TreeSize);
        Assert.Equal(checkpoint.RootHash, result.RootHash);
    }

    [Fact]
    public async Task ProveInclusion_EveryEntry_VerifiesAgainstSignedCheckpoint()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Range(0, 37).Select(i => i * 3).ToList());
        using var reader = LedgerReader.Open(dir.Path);
        var checkpoint = reader.LatestCheckpoint!;
        for (var i = 0; i < 37; i++)
        {
            var proof = reader.ProveInclusion(i, checkpoint.TreeSize);
            Assert.True(proof.Verify(reader.ReadEntry(i), checkpoint, reader.PublicKey!), $"entry {i}");
            Assert.False(proof.Verify(reader.ReadEntry((i + 1) % 37), checkpoint, reader.PublicKey!));
        }
    }

    [Fact]
    public async Task ProveConsistency_BetweenCheckpoints_Verifies()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Range(0, 50).Select(i => 10).ToList(), checkpointEvery: 7);
        using var reader = LedgerReader.Open(dir.Path);
        var checkpoints = reader.Checkpoints;
        Assert.True(checkpoints.Count >= 7);
        foreach (var first in checkpoints)
        {
            foreach (var second in checkpoints.Where(c => c.TreeSize >= first.TreeSize))
            {
                var proof = reader.ProveConsistency(first.TreeSize, second.TreeSize);
                Assert.True(proof.Verify(first, second, reader.PublicKey!), $"{first.TreeSize} -> {second.TreeSize}");
            }
        }
    }

    [Fact]
    public async Task Checkpoint_AnotherKey_DoesNotVerify()
    {
        using var dir = new TempDirectory();
        using var other = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, [5, 6, 7]);
        await TestLedger.WriteAsync(other.Path, [5, 6, 7]);
        using var reader = LedgerReader.Open(dir.Path);
        using var otherKey = LedgerPublicKey.Load(Path.Combine(other.Path, "signing-key.pub.pem"));
        Assert.False(otherKey.Verify(reader.LatestCheckpoint!));
        var result = LedgerVerifier.Verify(dir.Path, otherKey);
        Assert.False(result.Ok);
        Assert.Equal("checkpoint", result.Problem!.Kind);
    }

    [Fact]
    public async Task Append_ManyThreads_EveryEntryOnceInIndexOrder()
    {
        using var dir = new TempDirectory();
        const int threads = 4;
        const int perThread = 5000;
        var options = TestLedger.SmallSegments() with { SegmentBytes = 1 << 20, MaxBatchBytes = 64 * 1024 };
        var indices = new long[threads][];
        await using (var writer = LedgerWriter.Open(dir.Path, options, TimeProvider.System))
        {
            await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
            {
                indices[t] = new long[perThread];
                for (var i = 0; i < perThread; i++)
                {
                    indices[t][i] = writer.Append(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes($"{t}:{i}"));
                }
            })));
            await writer.FlushAsync();
            Assert.Equal(threads * perThread, writer.DurableCount);
        }

        Assert.Equal(Enumerable.Range(0, threads * perThread).Select(i => (long)i), indices.SelectMany(i => i).Order());
        using var reader = LedgerReader.Open(dir.Path);
        foreach (var entry in reader.ReadEntries(0, threads * perThread))
        {
            var text = Encoding.UTF8.GetString(entry.Payload.Span).Split(':');
            Assert.Equal(entry.Index, indices[int.Parse(text[0], System.Globalization.CultureInfo.InvariantCulture)]
                [int.Parse(text[1], System.Globalization.CultureInfo.InvariantCulture)]);
        }

        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }

    [Fact]
    public async Task CheckpointInterval_TimePasses_SignsUnsignedEntries()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(TestLedger.Start);
        var options = TestLedger.SmallSegments() with { CheckpointInterval = TimeSpan.FromSeconds(5) };
        await using var writer = LedgerWriter.Open(dir.Path, options, time);
        writer.Append(LedgerEntryKind.ConfigChange, "{}"u8);
        await writer.FlushAsync();
        Assert.Null(writer.LatestCheckpoint);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(SpinWait.SpinUntil(() => writer.LatestCheckpoint is not null, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, writer.LatestCheckpoint!.TreeSize);
        Assert.Equal(Checkpoints.Checkpoint.NoteVersion, writer.LatestCheckpoint.Version); // version 2 carries no time of its own
    }

    [Fact]
    public async Task CheckpointEveryEntries_Reached_SignsWithoutBeingAsked()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(4, 30).ToList(), TestLedger.SmallSegments(checkpointEvery: 10));
        using var reader = LedgerReader.Open(dir.Path);
        Assert.Equal([10L, 20, 30], reader.Checkpoints.Select(c => c.TreeSize));
    }

    [Fact]
    public async Task Open_SecondWriterOnSameDirectory_RefusedUntilFirstCloses()
    {
        using var dir = new TempDirectory();
        await using (LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System))
        {
            var error = Assert.Throws<IOException>(() => LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System));
            Assert.Contains("another writer", error.Message, StringComparison.Ordinal);
        }

        await using var again = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System);
        Assert.Equal(0, again.Count);
    }

    [Fact]
    public async Task Append_BadArguments_Rejected()
    {
        using var dir = new TempDirectory();
        await using var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments() with { MaxPayloadBytes = 10 },
            TimeProvider.System);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Append(0, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Append(LedgerEntryKind.Finding, new byte[11]));
        Assert.Equal(0, writer.Append(LedgerEntryKind.Finding, new byte[10]));
    }

    [Fact]
    public async Task Append_PayloadLargerThanBatch_Written()
    {
        using var dir = new TempDirectory();
        var big = new byte[100_000];
        new Random(3).NextBytes(big);
        await using (var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System))
        {
            writer.Append(LedgerEntryKind.ModelVersion, "small"u8);
            writer.Append(LedgerEntryKind.ModelVersion, big);
            writer.Append(LedgerEntryKind.ModelVersion, "small"u8);
        }

        using var reader = LedgerReader.Open(dir.Path);
        Assert.Equal(big, reader.ReadEntry(1).Payload.ToArray());
        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }

    [Fact]
    public async Task Open_FirstStart_CreatesKeyPairWithPrivateKeyReadableByOwnerOnly()
    {
        using var dir = new TempDirectory();
        await using (LedgerWriter.Open(dir.Path, TestLedger.SmallSegments(), TimeProvider.System))
        {
        }

        var privatePath = Path.Combine(dir.Path, "signing-key.pem");
        Assert.Contains("BEGIN PRIVATE KEY", await File.ReadAllTextAsync(privatePath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privatePath));
        }

        using var reader = LedgerReader.Open(dir.Path);
        Assert.Equal(MerkleHash.EmptyRoot(), reader.LatestCheckpoint!.RootHash);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", reader.PublicKey!.Pem, StringComparison.Ordinal);
    }
}
