using System.Text;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Ledger.Tests;

/// <summary>
/// The newest segment's reserved zeros (LedgerWriter.Reserve.cs, docs/ledger-format.md §Segments): readers end the
/// records before them, a restart appends over them, a torn record inside them is set aside without them, and no
/// commit completes before the sync that covers it.
/// </summary>
public sealed class ReservedSpaceTests
{
    private static LedgerOptions Synced => TestLedger.SmallSegments() with { FsyncEachBatch = true, SegmentBytes = 256 * 1024, MaxBatchBytes = 64 * 1024 };

    [Fact]
    public async Task Append_WhileOpen_SegmentReservedAheadReadersStopAtTheRecordsAndCloseCutsTheZeros()
    {
        using var dir = new TempDirectory();
        string segment;
        long recordsEnd;
        await using (var writer = LedgerWriter.Open(dir.Path, Synced, TimeProvider.System))
        {
            for (var i = 0; i < 50; i++)
            {
                await writer.CommitAsync(writer.Append(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes($"{{\"seq\":{i}}}")));
            }

            segment = SegmentLayout.Segments(dir.Path)[^1];
            recordsEnd = SegmentLayout.RecordsEnd(dir.Path, segment);
            var bytes = await File.ReadAllBytesAsync(segment);
            Assert.True(bytes.Length > recordsEnd, $"segment is {bytes.Length} bytes, records end at {recordsEnd}: nothing reserved");
            Assert.False(bytes.AsSpan((int)recordsEnd).ContainsAnyExcept((byte)0));

            using var reader = LedgerReader.Open(dir.Path);
            Assert.Equal(writer.DurableCount, reader.CountEntries());
            Assert.Equal("{\"seq\":49}", Encoding.UTF8.GetString(reader.ReadEntry(writer.DurableCount - 1).Payload.Span));
        }

        Assert.Equal(SegmentLayout.RecordsEnd(dir.Path, segment), new FileInfo(segment).Length);
        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }

    [Fact]
    public async Task Open_AfterKillLeftReservedZeros_NoTornTailAndAppendsFollowTheRecords()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(50, 20).ToList());
        var last = SegmentLayout.Segments(dir.Path)[^1];
        var recordsEnd = new FileInfo(last).Length;
        await File.AppendAllBytesAsync(last, new byte[100_000]); // what a killed writer leaves: its reservation
        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);

        await using (var writer = LedgerWriter.Open(dir.Path, Synced, TimeProvider.System))
        {
            Assert.Empty(writer.RecoveredTornTails);
            Assert.Equal(20, writer.Count);
            await writer.CommitAsync(writer.Append(LedgerEntryKind.Finding, "after the crash"u8));
        }

        var records = SegmentLayout.Records(dir.Path);
        Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Index));
        Assert.Contains(records, r => r.SegmentPath == last && r.Offset == recordsEnd); // over the zeros, not after them
        var result = LedgerVerifier.Verify(dir.Path);
        Assert.True(result.Ok, result.Problem?.ToString());
        Assert.DoesNotContain(result.Warnings, w => w.Contains("torn tail", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Open_RecordCutShortInsideReservedZeros_SetsAsideOnlyItsBytes()
    {
        using var dir = new TempDirectory();
        await TestLedger.WriteAsync(dir.Path, Enumerable.Repeat(50, 20).ToList());
        var last = SegmentLayout.Segments(dir.Path)[^1];
        var recordsEnd = new FileInfo(last).Length;
        byte[] partial = [0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x64, .. new byte[7], 20, .. Enumerable.Repeat((byte)'x', 30)];
        await File.AppendAllBytesAsync(last, [.. partial, .. new byte[8192]]);

        await using (var writer = LedgerWriter.Open(dir.Path, Synced, TimeProvider.System))
        {
            var torn = Assert.Single(writer.RecoveredTornTails);
            Assert.Equal(recordsEnd, torn.Offset);
            Assert.Equal(partial, await File.ReadAllBytesAsync(Path.Combine(dir.Path, torn.SetAsideFile)));
            Assert.Equal(partial.Length, torn.Length);
        }

        Assert.True(LedgerVerifier.Verify(dir.Path).Ok);
    }

    [Fact]
    public async Task CommitAsync_WhileItsSyncIsUnderWay_NeitherDurableNorComplete()
    {
        using var dir = new TempDirectory();
        // The hashing thread waits a second before it takes the entry: the writing thread commits it on its own.
        await using var writer = LedgerWriter.Open(dir.Path, Synced with { MaxBatchDelay = TimeSpan.FromSeconds(1) }, TimeProvider.System);
        using var syncing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var durableWhileSyncing = -1L;
        writer.SegmentSyncing += _ =>
        {
            if (!syncing.IsSet)
            {
                durableWhileSyncing = writer.DurableCount;
                syncing.Set();
                release.Wait(TimeSpan.FromMinutes(1)); // the sync waits until the test has looked
            }
        };

        var commit = Task.Run(() => writer.CommitAsync(writer.Append(LedgerEntryKind.ReadingBatch, "{\"seq\":1}"u8)));
        Assert.True(syncing.Wait(TimeSpan.FromMinutes(1)), "no sync started");
        Assert.Equal(0, durableWhileSyncing);
        Assert.Equal(0, writer.DurableCount);
        Assert.False(commit.IsCompleted, "the commit completed before its sync");

        release.Set();
        await commit;
        Assert.Equal(1, writer.DurableCount);
    }

    [Fact]
    public async Task CommitAsync_Completes_OnlyAfterTheSyncThatCoversIt()
    {
        using var dir = new TempDirectory();
        await using var writer = LedgerWriter.Open(dir.Path, Synced, TimeProvider.System);
        long synced = 0;
        writer.SegmentSynced += size => Interlocked.Exchange(ref synced, Math.Max(Interlocked.Read(ref synced), size));
        var early = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                var index = writer.Append(LedgerEntryKind.ReadingBatch, Encoding.UTF8.GetBytes($"{{\"t\":{t},\"i\":{i}}}"));
                await writer.CommitAsync(index);
                if (Interlocked.Read(ref synced) <= index)
                {
                    Interlocked.Increment(ref early); // acknowledged before the sync that writes it
                }
            }
        })));

        Assert.Equal(0, early);
        Assert.Equal(600, writer.DurableCount);
    }
}
