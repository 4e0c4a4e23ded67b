using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>
/// What a running twin teaches its asset's multivariate model: never a state holding a quarantined signal's held value
/// (the gate refuses the signal's readings and its last trusted value stands in), which an attacker who got the signal
/// quarantined would otherwise make the model's normal.
/// </summary>
[Collection(TwinClusterCollection.Name)]
public sealed class TwinGrainLearningTests(TwinClusterFixture fixture)
{
    private const string Asset = "held";
    private const string Device = "held-plc";

    private static long NowMs => TwinClusterFixture.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    [Fact]
    public async Task Ingest_WhileASignalIsQuarantined_TheModelLearnsNothingFromTheHeldStates_AndResumesOnceReleased()
    {
        var twin = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>(Asset);
        var quarantine = fixture.SiloService<QuarantineList>();
        var random = new Random(41);
        long seq = 0;
        // Steady operation, b = 2a and c = a + 10 with noise: past the sample plant's warm-up of 2,400 states, so the
        // model is fitted and learning states as they come.
        await FeedAsync(twin, random, () => ++seq, count: 2600, withC: true);
        var local = fixture.SiloService<LocalTwins>().Find(Asset) ?? throw new InvalidOperationException("the twin is not registered here");
        var fitted = local.ModelLearning()!.Value;
        Assert.Equal(0, fitted.WarmUpRows);
        Assert.True(fitted.Counters.Learned > 0, "the model learned nothing of normal operation");

        // c quarantined: the gate lets only a and b through, the twin holds c's last value. The states look like the
        // normal ones (a and b stay where they were), so only the held value keeps them out of the model.
        quarantine.AddSignal(Asset, "c");
        try
        {
            await FeedAsync(twin, random, () => ++seq, count: 600, withC: false);
            var held = local.ModelLearning()!.Value;
            Assert.Equal(fitted.Counters.Learned, held.Counters.Learned);
            Assert.Equal(fitted.Counters.SinceFit, held.Counters.SinceFit);
            Assert.Equal(fitted.Counters.Refits, held.Counters.Refits);
        }
        finally
        {
            quarantine.ReleaseSignal(Asset, "c");
        }

        // Released, c reported again: learning resumes once the feature window no longer holds a held state.
        await FeedAsync(twin, random, () => ++seq, count: 100, withC: true);
        Assert.True(local.ModelLearning()!.Value.Counters.Learned > fitted.Counters.Learned, "learning did not resume after the release");
    }

    private static async Task FeedAsync(ITwinGrain twin, Random random, Func<long> next, int count, bool withC)
    {
        var batch = new List<ReadingMessage>(50);
        for (var i = 0; i < count; i++)
        {
            TwinClusterFixture.Clock.Advance(TimeSpan.FromMilliseconds(250));
            var a = 20 + random.NextDouble();
            SignalValue[] values = withC
                ? [new SignalValue(0, a), new SignalValue(1, (2 * a) + random.NextDouble()), new SignalValue(2, a + 10 + random.NextDouble())]
                : [new SignalValue(0, a), new SignalValue(1, (2 * a) + random.NextDouble())];
            batch.Add(new ReadingMessage(Device, next(), NowMs, 0, values));
            if (batch.Count == 50 || i == count - 1)
            {
                await twin.IngestAsync([.. batch]);
                batch.Clear();
            }
        }
    }
}
