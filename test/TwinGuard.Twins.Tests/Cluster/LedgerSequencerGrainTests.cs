using Orleans.Core.Internal;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Verification;
using TwinGuard.Testing;
using TwinGuard.Twins.Cluster;
using TwinGuard.Twins.Tests.Twin;

namespace TwinGuard.Twins.Tests.Cluster;

/// <summary>The cluster's one ledger writer: callers in parallel get disjoint runs of one order, and the log verifies.</summary>
[Collection(TwinClusterCollection.Name)]
public sealed class LedgerSequencerGrainTests(TwinClusterFixture fixture)
{
    [Fact]
    public async Task AppendAsync_ManySilosAtOnce_OneOrderWithoutGapsThatVerifies()
    {
        var sequencer = fixture.Cluster.GrainFactory.GetGrain<ILedgerSequencerGrain>("sequenced-site");
        const int callers = 4, calls = 25, perCall = 8;

        // Four "silos" send batches at once; each batch's entries name their caller and place.
        var firsts = await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var mine = new List<long>();
            for (var call = 0; call < calls; call++)
            {
                var payloads = Enumerable.Range(0, perCall).Select(i => System.Text.Encoding.UTF8.GetBytes($"{{\"silo\":{caller},\"call\":{call},\"i\":{i}}}")).ToArray();
                mine.Add(await sequencer.AppendAsync(new LedgerEntries([.. Enumerable.Repeat((int)LedgerEntryKind.Finding, perCall)], payloads)));
            }

            return mine;
        })));

        // Every batch got its own run of indices: together they cover one range once (after what other tests wrote).
        var runs = firsts.SelectMany(f => f).Order().ToList();
        Assert.Equal(Enumerable.Range(0, callers * calls).Select(i => runs[0] + ((long)i * perCall)), runs);

        await sequencer.Cast<IGrainManagementExtension>().DeactivateOnIdle(); // closes the ledger with a signed checkpoint
        await Eventually.HoldsAsync(() => LedgerVerifier.Verify(TwinClusterFixture.SequencedLedgerDirectory), v => v.Ok && v.TreeSize == runs[0] + (callers * calls * perCall),
            TimeSpan.FromSeconds(30), "the sequenced ledger closed and verified");
        using var reader = LedgerReader.Open(TwinClusterFixture.SequencedLedgerDirectory);
        // Within a batch, entries stay in the caller's order.
        var entries = reader.ReadEntries(runs[7], perCall);
        Assert.All(entries.Select((e, i) => (e, i)), x => Assert.EndsWith($"\"i\":{x.i}}}", System.Text.Encoding.UTF8.GetString(x.e.Payload.Span), StringComparison.Ordinal));
    }

    [Fact]
    public async Task AppendAsync_SameBatchIdRetried_WrittenOnce_UntilItLeavesTheWindow()
    {
        var sequencer = fixture.Cluster.GrainFactory.GetGrain<ILedgerSequencerGrain>("sequenced-site");
        static LedgerEntries Batch(string text, int count = 3) =>
            new([.. Enumerable.Repeat((int)LedgerEntryKind.Finding, count)], [.. Enumerable.Range(0, count).Select(i => System.Text.Encoding.UTF8.GetBytes($"{{\"{text}\":{i}}}"))])
            {
                BatchId = Guid.NewGuid(),
            };

        var batch = Batch("retried");
        var first = await sequencer.AppendAsync(batch);
        var retries = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => sequencer.AppendAsync(batch)));
        var next = await sequencer.AppendAsync(Batch("next"));

        Assert.All(retries, r => Assert.Equal(first, r));
        Assert.Equal(first + 3, next); // the retries wrote nothing between

        // Once the window has moved past it, the same id is a new batch (the window is bounded).
        for (var i = 0; i < LedgerSequencerGrain.DedupWindow; i++)
        {
            await sequencer.AppendAsync(Batch("filler", 1));
        }

        Assert.True(await sequencer.AppendAsync(batch) > next);
    }
}
