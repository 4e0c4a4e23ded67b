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

        // Every batch got its own run of indices: together they cover 0..N-1 once.
        var runs = firsts.SelectMany(f => f).Order().ToList();
        Assert.Equal(Enumerable.Range(0, callers * calls).Select(i => (long)i * perCall), runs);

        await sequencer.Cast<IGrainManagementExtension>().DeactivateOnIdle(); // closes the ledger with a signed checkpoint
        await Eventually.HoldsAsync(() => LedgerVerifier.Verify(TwinClusterFixture.SequencedLedgerDirectory), v => v.Ok && v.TreeSize == callers * calls * perCall,
            TimeSpan.FromSeconds(30), "the sequenced ledger closed and verified");
        using var reader = LedgerReader.Open(TwinClusterFixture.SequencedLedgerDirectory);
        // Within a batch, entries stay in the caller's order.
        var entries = reader.ReadEntries(runs[7], perCall);
        Assert.All(entries.Select((e, i) => (e, i)), x => Assert.EndsWith($"\"i\":{x.i}}}", System.Text.Encoding.UTF8.GetString(x.e.Payload.Span), StringComparison.Ordinal));
    }
}
