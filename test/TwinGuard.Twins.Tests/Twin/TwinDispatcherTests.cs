using System.Text;
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

    private LedgerRecorder Recorder => fixture.Cluster.Primary is Orleans.TestingHost.InProcessSiloHandle silo
        ? (LedgerRecorder)silo.SiloHost.Services.GetService(typeof(LedgerRecorder))!
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
}
