using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Verification;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>The dispatcher records every batch in the ledger on its way to the twin and says when it is on disk.</summary>
[Collection(TwinClusterCollection.Name)]
public sealed class TwinDispatcherTests(TwinClusterFixture fixture)
{
    /// <summary>Readings a flat-out round queues.</summary>
    private const int Messages = 5_000;

    private static long NowMs => TwinClusterFixture.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private LedgerRecorder Recorder => fixture.SiloService<LedgerRecorder>();

    private LocalTwins Local => fixture.SiloService<LocalTwins>();

    [Fact]
    public async Task DeliverAsync_KeptMessage_CompletesOnlyOnceItsBatchIsDurable()
    {
        var asset = TwinClusterFixture.Plant.FindAsset("conveyor1")!;
        await using var dispatcher = new TwinDispatcher(fixture.Cluster.GrainFactory, Recorder, NullLogger<TwinDispatcher>.Instance);

        var kept = await dispatcher.DeliverAsync(asset, new ReadingMessage("conveyor-plc", 424242, NowMs, 0, [new SignalValue(0, 1.5)]), kept: true);
        await kept.WaitAsync(TimeSpan.FromSeconds(30));

        // Durable means readable from the files by a separate reader, now.
        var ledger = Recorder.Ledger;
        using var reader = LedgerReader.Open(ledger.Directory);
        var entries = reader.ReadEntries(0, (int)ledger.DurableCount);
        Assert.Contains(entries, e => e.Kind == LedgerEntryKind.ReadingBatch
            && Encoding.UTF8.GetString(e.Payload.Span).Contains("\"seq\":424242,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeliverAsync_NotKept_CompletesWithoutWaitingForTheDisk()
    {
        var asset = TwinClusterFixture.Plant.FindAsset("conveyor1")!;
        await using var dispatcher = new TwinDispatcher(fixture.Cluster.GrainFactory, Recorder, NullLogger<TwinDispatcher>.Instance);

        var kept = await dispatcher.DeliverAsync(asset, new ReadingMessage("conveyor-plc", 424243, NowMs, 0, [new SignalValue(0, 1.5)]), kept: false);

        Assert.True(kept.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task DeliverAsync_TwinActivatedHere_RunsTheTwinBeforeReturning()
    {
        var asset = TwinClusterFixture.Plant.FindAsset("conveyor1")!;
        await fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>(asset.Id).GetSnapshotAsync(); // activated, so registered here
        await using var dispatcher = new TwinDispatcher(fixture.Cluster.GrainFactory, Recorder, NullLogger<TwinDispatcher>.Instance, Local);
        var validated = TwinClusterFixture.Evidence.Metrics.ArrivalToTwin;
        var before = validated.Count;

        var queued = dispatcher.DeliverAsync(asset, new ReadingMessage("conveyor-plc", 424300, NowMs, TwinClusterFixture.Clock.GetTimestamp(), [new SignalValue(0, 1.5)]), kept: false);

        // No thread hop and no grain call: the twin has been through the message on this thread by the time it returns.
        Assert.True(queued.IsCompletedSuccessfully);
        Assert.Equal(before + 1, validated.Count);
    }

    [Fact]
    public async Task DeliverAsync_OneProducerFlatOut_RecordsItsMessagesInBatches()
    {
        var asset = TwinClusterFixture.Plant.FindAsset("batched")!;
        await fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>(asset.Id).GetSnapshotAsync(); // activated, so registered here
        // A lane batches once its messages come faster than it runs them alone in place (LaneLoad): a loaded machine can
        // hold the producer below that rate for a whole round (in CI, 5,000 messages at 190 us each, every one its own
        // entry), so rounds go on until one is flat out; every message of every round must be recorded all the same.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var rounds = new List<string>();
        for (var round = 0; ; round++)
        {
            var (entries, elapsed) = await FlatOutRoundAsync(asset, firstSeq: 5_000_000 + (round * Messages));
            rounds.Add($"{entries} entries in {elapsed.TotalMilliseconds:0} ms");
            if (entries < Messages / 2)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{Messages} messages a round never went in batches: {string.Join(", ", rounds)}");
        }
    }

    /// <summary>One thread queueing <see cref="Messages"/> readings as fast as it can; how many ledger entries recorded them.</summary>
    private async Task<(int Entries, TimeSpan Elapsed)> FlatOutRoundAsync(AssetModel asset, long firstSeq)
    {
        var validated = TwinClusterFixture.Evidence.Metrics.ArrivalToTwin;
        var ledger = Recorder.Ledger;
        var firstEntry = ledger.DurableCount;
        var before = validated.Count;
        var started = Stopwatch.StartNew();
        await using (var dispatcher = new TwinDispatcher(fixture.Cluster.GrainFactory, Recorder, NullLogger<TwinDispatcher>.Instance, Local))
        {
            // One thread queueing as fast as it can, as a broker connection flat out: in place, each message would be a
            // ledger entry and a twin entry of its own.
            for (var i = 0; i < Messages; i++)
            {
                var queued = dispatcher.DeliverAsync(asset, new ReadingMessage("conveyor-plc", firstSeq + i, NowMs, TwinClusterFixture.Clock.GetTimestamp(), [new SignalValue(0, 1 + (i % 7))]), kept: false);
                if (!queued.IsCompletedSuccessfully)
                {
                    await queued;
                }
            }
        }

        var elapsed = started.Elapsed;
        Assert.Equal(before + Messages, validated.Count);
        var last = Recorder.RecordBatch(asset, [new ReadingMessage("conveyor-plc", firstSeq + Messages, NowMs, 0, [new SignalValue(0, 1.5)])]);
        await ledger.CommitAsync(last); // everything before it is on disk too
        using var reader = LedgerReader.Open(ledger.Directory);
        var (entries, recorded) = (0, 0);
        foreach (var entry in reader.ReadEntries(firstEntry, (int)(last + 1 - firstEntry)).Where(e => e.Kind == LedgerEntryKind.ReadingBatch))
        {
            using var batch = JsonDocument.Parse(entry.Payload);
            var ours = batch.RootElement.GetProperty("messages").EnumerateArray()
                .Count(m => m.GetProperty("seq").GetInt64() >= firstSeq && m.GetProperty("seq").GetInt64() < firstSeq + Messages);
            (entries, recorded) = (entries + (ours > 0 ? 1 : 0), recorded + ours);
        }

        Assert.Equal(Messages, recorded);
        return (entries, elapsed);
    }

    [Fact]
    public async Task DeliverAsync_ReceiveBatchWithMoreBuffered_RunsTheLaneOnceTheBufferEmpties()
    {
        var asset = TwinClusterFixture.Plant.FindAsset("batched")!;
        await fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>(asset.Id).GetSnapshotAsync(); // activated, so registered here
        var validated = TwinClusterFixture.Evidence.Metrics.ArrivalToTwin;
        var ledger = Recorder.Ledger;
        var firstEntry = ledger.DurableCount;
        var before = validated.Count;
        const int messages = 300;
        const long firstSeq = 6_000_000;
        var moreBuffered = true;
        var batch = new ReceiveBatch(() => moreBuffered);
        await using var dispatcher = new TwinDispatcher(fixture.Cluster.GrainFactory, Recorder, NullLogger<TwinDispatcher>.Instance, Local);

        // As a connection's receive loop while its read buffer holds more messages: each one waits for the next.
        for (var i = 0; i < messages - 1; i++)
        {
            var queued = dispatcher.DeliverAsync(asset, Message(firstSeq + i), kept: false, batch);
            Assert.True(queued.IsCompletedSuccessfully);
        }

        Assert.Equal(before, validated.Count);

        // The last message read: the buffer is empty, the lane runs on this thread with everything it deferred.
        moreBuffered = false;
        var last = dispatcher.DeliverAsync(asset, Message(firstSeq + messages - 1), kept: true, batch);
        Assert.True(last.IsCompletedSuccessfully);
        Assert.Equal(before + messages, validated.Count);
        await (await last).WaitAsync(TimeSpan.FromSeconds(30));

        // Nothing lost, in the order received, as one ledger entry; and the ledger still verifies.
        using (var reader = LedgerReader.Open(ledger.Directory))
        {
            var ours = reader.ReadEntries(firstEntry, (int)(ledger.DurableCount - firstEntry))
                .Where(e => e.Kind == LedgerEntryKind.ReadingBatch)
                .Select(e => SequencesIn(e.Payload, firstSeq, messages))
                .Where(s => s.Count > 0)
                .ToList();
            var entry = Assert.Single(ours);
            Assert.Equal(Enumerable.Range(0, messages).Select(i => firstSeq + i), entry);
        }

        Assert.True(LedgerVerifier.Verify(ledger.Directory).Ok);
    }

    [Fact]
    public async Task DeliverAsync_ReceiveBatchFull_RunsTheLaneWithoutWaitingForTheBuffer()
    {
        var asset = TwinClusterFixture.Plant.FindAsset("batched")!;
        await fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>(asset.Id).GetSnapshotAsync();
        var validated = TwinClusterFixture.Evidence.Metrics.ArrivalToTwin;
        var before = validated.Count;
        const long firstSeq = 6_500_000;
        var batch = new ReceiveBatch(() => true); // a publisher that never lets the buffer empty
        await using var dispatcher = new TwinDispatcher(fixture.Cluster.GrainFactory, Recorder, NullLogger<TwinDispatcher>.Instance, Local);

        for (var i = 0; i < ReceiveBatch.MaxMessages - 1; i++)
        {
            await dispatcher.DeliverAsync(asset, Message(firstSeq + i), kept: false, batch);
        }

        Assert.Equal(before, validated.Count);
        Assert.Equal(ReceiveBatch.MaxMessages - 1, batch.Deferred);

        // The message that fills the batch runs the lane: a connection flat out still reaches its twin every 512 messages.
        await dispatcher.DeliverAsync(asset, Message(firstSeq + ReceiveBatch.MaxMessages - 1), kept: false, batch);
        Assert.Equal(before + ReceiveBatch.MaxMessages, validated.Count);
        Assert.Equal(0, batch.Deferred);
    }

    private static ReadingMessage Message(long seq) =>
        new("conveyor-plc", seq, NowMs, TwinClusterFixture.Clock.GetTimestamp(), [new SignalValue(0, 1 + (seq % 7))]);

    private static List<long> SequencesIn(ReadOnlyMemory<byte> payload, long firstSeq, int count)
    {
        using var batch = JsonDocument.Parse(payload);
        return batch.RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => m.GetProperty("seq").GetInt64())
            .Where(seq => seq >= firstSeq && seq < firstSeq + count)
            .ToList();
    }

    [Fact]
    public async Task DeliverAsync_WithoutLocalTwins_StillReachesTheTwinThroughTheGrain()
    {
        var asset = TwinClusterFixture.Plant.FindAsset("conveyor1")!;
        var validated = TwinClusterFixture.Evidence.Metrics.ArrivalToTwin;
        var before = validated.Count;
        await using (var dispatcher = new TwinDispatcher(fixture.Cluster.GrainFactory, Recorder, NullLogger<TwinDispatcher>.Instance))
        {
            await dispatcher.DeliverAsync(asset, new ReadingMessage("conveyor-plc", 424301, NowMs, TwinClusterFixture.Clock.GetTimestamp(), [new SignalValue(0, 1.5)]), kept: false);
        } // disposing waits for every queued message to reach its twin

        Assert.Equal(before + 1, validated.Count);
    }
}
