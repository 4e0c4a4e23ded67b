using System.Text;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

/// <summary>Group commits, on the writing thread or a lone caller's, for callers that wait for their entries, beside appends nobody waits for.</summary>
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
    public async Task AppendAndCommitAsync_AloneWhileNoCommitRuns_SyncsOnTheCallersThreadAndIsDurableOnReturn()
    {
        using var dir = new TempDirectory();
        await using var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments() with { FsyncEachBatch = true }, TimeProvider.System);
        var syncedOn = new List<int>();
        writer.SegmentSyncing += _ =>
        {
            lock (syncedOn)
            {
                syncedOn.Add(Environment.CurrentManagedThreadId);
            }
        };

        // A lone publish: nothing else is in flight, so waking the writing thread would only add its wake-up.
        for (var i = 0; i < 10; i++)
        {
            var commit = writer.AppendAndCommitAsync(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes($"{{\"seq\":{i}}}"), alone: true);

            Assert.True(commit.IsCompletedSuccessfully, "the lone commit was handed off although no commit ran");
            Assert.Equal(i + 1, writer.DurableCount);
            using var reader = LedgerReader.Open(dir.Path);
            Assert.Contains(reader.ReadEntries(0, (int)reader.CountEntries()), e => e.Index == i && Encoding.UTF8.GetString(e.Payload.Span) == $"{{\"seq\":{i}}}");
        }

        Assert.Equal(10, writer.CallerCommits);
        Assert.Equal(0, writer.WriterCommits);
        lock (syncedOn)
        {
            Assert.Equal(Enumerable.Repeat(Environment.CurrentManagedThreadId, 10), syncedOn);
        }
    }

    [Fact]
    public async Task AppendAndCommitAsync_AloneWhileTheWritingThreadSyncs_HandsOffWithoutWaitingAndSharesItsNextSync()
    {
        using var dir = new TempDirectory();
        await using var writer = LedgerWriter.Open(dir.Path, TestLedger.SmallSegments() with { FsyncEachBatch = true }, TimeProvider.System);
        using var syncing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var syncs = new List<(long Size, int Thread)>();
        writer.SegmentSyncing += size =>
        {
            lock (syncs)
            {
                syncs.Add((size, Environment.CurrentManagedThreadId));
            }

            syncing.Set();
            release.Wait(TimeSpan.FromMinutes(1)); // the first sync waits until the lone publishes below are appended
        };

        var first = writer.AppendAndCommitAsync(LedgerEntryKind.ReadingBatch, "{\"seq\":1}"u8);
        Assert.True(syncing.Wait(TimeSpan.FromMinutes(1)), "no sync started");

        // The writing thread is committing: a lone caller must neither wait for it nor commit beside it.
        var lone = Enumerable.Range(2, 3)
            .Select(i => writer.AppendAndCommitAsync(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes($"{{\"seq\":{i}}}"), alone: true))
            .ToArray();
        Assert.All(lone, commit => Assert.False(commit.IsCompleted));

        release.Set();
        await Task.WhenAll([first, .. lone]);
        Assert.Equal(4, writer.DurableCount);
        Assert.Equal(0, writer.CallerCommits);
        lock (syncs)
        {
            Assert.Equal([1L, 4L], syncs.Select(s => s.Size));
            Assert.DoesNotContain(syncs, s => s.Thread == Environment.CurrentManagedThreadId);
        }
    }

    [Fact]
    public async Task CommitAsync_ManyThreadsCommittingAloneOrHandedOffBesideAppendsAndCheckpoints_EveryEntryDurableOnceInOrderAndVerifies()
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
                    if (t % 2 == 1)
                    {
                        // A lone publish's commit: on this thread when no commit runs, else handed off. Its index is
                        // read back from the files below; here at least everything appended before it is durable.
                        var before = writer.Count;
                        await writer.AppendAndCommitAsync(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes($"{t}:{i}"), alone: true);
                        indices[t][i] = -1;
                        if (writer.DurableCount <= before)
                        {
                            Interlocked.Increment(ref notDurable);
                        }

                        continue;
                    }

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
        using var reader = LedgerReader.Open(dir.Path);
        Assert.Equal(total, reader.CountEntries());
        foreach (var entry in reader.ReadEntries(0, total))
        {
            var text = Encoding.UTF8.GetString(entry.Payload.Span).Split(':');
            ref var index = ref indices[int.Parse(text[0], System.Globalization.CultureInfo.InvariantCulture)]
                [int.Parse(text[1], System.Globalization.CultureInfo.InvariantCulture)];
            if (index == -1)
            {
                index = entry.Index; // a lone commit's entry, seen once
            }

            Assert.Equal(entry.Index, index);
        }

        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), indices.SelectMany(i => i).Order());

        Assert.Equal(total, reader.LatestCheckpoint!.TreeSize);
        Assert.True(reader.Checkpoints.Count >= 3);
        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }
}
