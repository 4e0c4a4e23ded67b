using System.Text;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

/// <summary>Group commits on the writing thread, for callers that wait for their entries, beside appends nobody waits for.</summary>
public sealed class LedgerWriterCommitTests
{
    [Fact]
    public async Task CommitAsync_Completed_EntryReadableFromTheFilesAtOnce()
    {
        using var dir = new TempDirectory();
        await using var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments() with { FsyncEachBatch = true }, TimeProvider.System);
        for (var i = 0; i < 20; i++)
        {
            var index = writer.Append(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes($"{{\"seq\":{i}}}"));
            await writer.CommitAsync(index);

            Assert.True(writer.DurableCount > index);
            using var reader = LedgerReader.Open(dir.Path);
            var entries = reader.ReadEntries(0, (int)reader.CountEntries());
            Assert.Contains(entries, e => e.Index == index && Encoding.UTF8.GetString(e.Payload.Span) == $"{{\"seq\":{i}}}");
        }
    }

    [Fact]
    public async Task AppendAndCommitAsync_WhileTheSyncBeforeIsHeld_CallerGoesOnAndOneSyncCoversWhatItAppendedMeanwhile()
    {
        using var dir = new TempDirectory();
        await using var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments() with { FsyncEachBatch = true }, TimeProvider.System);
        using var syncing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var syncs = new List<long>();
        writer.SegmentSyncing += size =>
        {
            lock (syncs)
            {
                syncs.Add(size);
            }

            syncing.Set();
            release.Wait(TimeSpan.FromMinutes(1)); // the first sync waits until the test has appended the next five
        };

        // This thread stands for a connection's receive loop: it must not be the one held by the sync.
        var first = writer.AppendAndCommitAsync(LedgerEntryKind.ReadingBatch, "{\"seq\":1}"u8);
        Assert.True(syncing.Wait(TimeSpan.FromMinutes(1)), "no sync started");
        var meanwhile = Enumerable.Range(2, 5)
            .Select(i => writer.AppendAndCommitAsync(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes($"{{\"seq\":{i}}}")))
            .ToArray();
        Assert.False(first.IsCompleted, "the commit completed before its sync");
        Assert.All(meanwhile, commit => Assert.False(commit.IsCompleted));

        release.Set();
        await Task.WhenAll([first, .. meanwhile]);
        Assert.Equal(6, writer.DurableCount);
        lock (syncs)
        {
            Assert.Equal([1L, 6L], syncs); // the five appended during the first sync share the second
        }
    }

    [Fact]
    public async Task CommitAsync_ManyThreadsCommittingBesideAppendsAndCheckpoints_EveryEntryDurableOnceInOrderAndVerifies()
    {
        using var dir = new TempDirectory();
        const int threads = 4;
        const int perThread = 1500;
        var options = TestLedger.SmallSegments(checkpointEvery: 700) with { SegmentBytes = 16 * 1024, MaxBatchBytes = 4096 };
        var indices = new long[threads + 1][];
        var notDurable = 0;
        await using (var writer = LedgerWriter.Open(dir.Path, options, TimeProvider.System))
        {
            var committers = Enumerable.Range(0, threads).Select(t => Task.Run(async () =>
            {
                indices[t] = new long[perThread];
                for (var i = 0; i < perThread; i++)
                {
                    var index = writer.Append(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes($"{t}:{i}"));
                    indices[t][i] = index;
                    await writer.CommitAsync(index);
                    if (writer.DurableCount <= index)
                    {
                        Interlocked.Increment(ref notDurable);
                    }
                }
            }));

            // Appends nobody waits for go through the hashing and writing threads meanwhile, with checkpoints asked for.
            var appender = Task.Run(async () =>
            {
                indices[threads] = new long[perThread];
                for (var i = 0; i < perThread; i++)
                {
                    indices[threads][i] = writer.Append(LedgerEntryKind.Finding, Encoding.UTF8.GetBytes($"{threads}:{i}"));
                    if (i % 500 == 499)
                    {
                        await writer.CheckpointAsync();
                    }
                }
            });
            await Task.WhenAll([.. committers, appender]);
            await writer.FlushAsync();
        }

        Assert.Equal(0, notDurable);
        const int total = (threads + 1) * perThread;
        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), indices.SelectMany(i => i).Order());
        using var reader = LedgerReader.Open(dir.Path);
        foreach (var entry in reader.ReadEntries(0, total))
        {
            var text = Encoding.UTF8.GetString(entry.Payload.Span).Split(':');
            Assert.Equal(entry.Index, indices[int.Parse(text[0], System.Globalization.CultureInfo.InvariantCulture)]
                [int.Parse(text[1], System.Globalization.CultureInfo.InvariantCulture)]);
        }

        Assert.Equal(total, reader.LatestCheckpoint!.TreeSize);
        Assert.True(reader.Checkpoints.Count >= 3);
        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }
}
