using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TwinGuard.Ledger;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>The dispatcher records every batch in the ledger on its way to the twin and says when it is on disk.</summary>
[Collection(TwinClusterCollection.Name)]
public sealed class TwinDispatcherTests(TwinClusterFixture fixture)
{
    private static long NowMs => TwinClusterFixture.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private LedgerRecorder Recorder => SiloService<LedgerRecorder>();

    private LocalTwins Local => SiloService<LocalTwins>();

    private T SiloService<T>() => fixture.Cluster.Primary is Orleans.TestingHost.InProcessSiloHandle silo
        ? (T)silo.SiloHost.Services.GetService(typeof(T))!
        : throw new InvalidOperationException("expected an in-process silo");

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
        var validated = TwinClusterFixture.Evidence.Metrics.ArrivalToTwin;
        var ledger = Recorder.Ledger;
        var firstEntry = ledger.DurableCount;
        var before = validated.Count;
        const int messages = 5_000;
        const long firstSeq = 5_000_000;
        await using (var dispatcher = new TwinDispatcher(fixture.Cluster.GrainFactory, Recorder, NullLogger<TwinDispatcher>.Instance, Local))
        {
            // One thread queueing as fast as it can, as a broker connection flat out: in place, each message would be a
            // ledger entry and a twin entry of its own.
            for (var i = 0; i < messages; i++)
            {
                var queued = dispatcher.DeliverAsync(asset, new ReadingMessage("conveyor-plc", firstSeq + i, NowMs, TwinClusterFixture.Clock.GetTimestamp(), [new SignalValue(0, 1 + (i % 7))]), kept: false);
                if (!queued.IsCompletedSuccessfully)
                {
                    await queued;
                }
            }
        }

        Assert.Equal(before + messages, validated.Count);
        var last = Recorder.RecordBatch(asset, [new ReadingMessage("conveyor-plc", firstSeq + messages, NowMs, 0, [new SignalValue(0, 1.5)])]);
        await ledger.CommitAsync(last); // everything before it is on disk too
        using var reader = LedgerReader.Open(ledger.Directory);
        var (entries, recorded) = (0, 0);
        foreach (var entry in reader.ReadEntries(firstEntry, (int)(last + 1 - firstEntry)).Where(e => e.Kind == LedgerEntryKind.ReadingBatch))
        {
            using var batch = JsonDocument.Parse(entry.Payload);
            var ours = batch.RootElement.GetProperty("messages").EnumerateArray()
                .Count(m => m.GetProperty("seq").GetInt64() is >= firstSeq and < firstSeq + messages);
            (entries, recorded) = (entries + (ours > 0 ? 1 : 0), recorded + ours);
        }

        Assert.Equal(messages, recorded);
        Assert.True(entries < messages / 2, $"{messages} messages took {entries} ledger entries");
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
