using Orleans.Core.Internal;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>
/// A twin's learned state through grain persistence (SQLite, as a single-node serve): a twin deactivated and activated
/// again resumes with its baselines, its multivariate model and its devices' sequence numbers, without a new warm-up.
/// </summary>
[Collection(TwinClusterCollection.Name)]
public sealed class TwinGrainPersistenceTests(TwinClusterFixture fixture)
{
    private const string Device = "persisted-plc";

    private static long NowMs => TwinClusterFixture.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static List<Finding> DrainFindings()
    {
        var found = new List<Finding>();
        while (TwinClusterFixture.Evidence.Findings.TryRead(out var finding))
        {
            found.Add(finding);
        }

        return found;
    }

    /// <summary>b follows 2a and c follows a + 10, with noise: a multivariate model learns the relation.</summary>
    private static async Task FeedAsync(ITwinGrain twin, Random random, long firstSeq, int count, bool broken = false)
    {
        var batch = new List<ReadingMessage>(50);
        for (var i = 0; i < count; i++)
        {
            TwinClusterFixture.Clock.Advance(TimeSpan.FromMilliseconds(250));
            var a = 20 + (10 * Math.Sin((firstSeq + i) / 40.0)) + random.NextDouble();
            var b = broken ? 100 - (2 * a) : (2 * a) + random.NextDouble();
            batch.Add(new ReadingMessage(Device, firstSeq + i, NowMs, 0, [new SignalValue(0, a), new SignalValue(1, b), new SignalValue(2, a + 10 + random.NextDouble())]));
            if (batch.Count == 50 || i == count - 1)
            {
                await twin.IngestAsync([.. batch]);
                batch.Clear();
            }
        }
    }

    [Fact]
    public async Task Activate_AfterDeactivation_ResumesWithLearnedModelBaselinesAndSequences()
    {
        var twin = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("persisted");
        var random = new Random(19);
        // The default multivariate warm-up is 2,400 states: learn it, and some more.
        await FeedAsync(twin, random, firstSeq: 1, count: 2600);
        var before = await twin.GetSnapshotAsync();
        DrainFindings();

        await DeactivateAndRestoreAsync(twin);

        // The baselines came back: the expected values are the learned ones before any new reading.
        var after = await twin.GetSnapshotAsync();
        for (var i = 0; i < before.Signals.Length; i++)
        {
            Assert.Equal(before.Signals[i].Expected, after.Signals[i].Expected);
            Assert.Equal(before.Signals[i].Value, after.Signals[i].Value);
        }

        // The device's sequence came back: a message from before the deactivation is a replay.
        TwinClusterFixture.Clock.Advance(TimeSpan.FromMilliseconds(250));
        await twin.IngestAsync([new ReadingMessage(Device, 2600, NowMs, 0, [new SignalValue(0, 20), new SignalValue(1, 40), new SignalValue(2, 30)])]);
        Assert.Contains(DrainFindings(), f => f.Reason == ReasonCode.ReplayedSequence && f.AssetId == "persisted");

        // The multivariate model came back: normal states stay quiet and a broken relation is scored at once, where a
        // fresh twin would learn 2,400 states first.
        await AssertModelScoresAsync(twin, random, firstSeq: 2601, normal: 100, "persisted");
    }

    [Fact]
    public async Task Activate_InTheMiddleOfTheWarmUp_ContinuesTheWarmUpWhereItStopped()
    {
        var twin = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("warming");
        var random = new Random(23);
        // 2,000 of the 2,400 warm-up states; their rows are kept apart from the stream state (TwinWarmUpState).
        await FeedAsync(twin, random, firstSeq: 1, count: 2000);
        DrainFindings();
        await DeactivateAndRestoreAsync(twin);

        // 400 more complete the warm-up only if the first 2,000 came back: the model then scores a broken relation.
        await AssertModelScoresAsync(twin, random, firstSeq: 2001, normal: 450, "warming");
    }

    [Fact]
    public async Task Activate_AfterStreamOnlySnapshots_RestoresTheModelWrittenOnce()
    {
        var twin = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("persisted-once");
        var random = new Random(31);
        await FeedAsync(twin, random, firstSeq: 1, count: 2600);
        await DeactivateAndRestoreAsync(twin);
        var model = StoredVersion("model", "persisted-once");
        var stream = StoredVersion("stream", "persisted-once");
        Assert.True(model >= 1, "the fitted model was never written");

        // Two more rounds of normal readings, each ending in a write of the stream state: the model did not change,
        // its rows are not written again.
        await FeedAsync(twin, random, firstSeq: 2601, count: 100);
        await DeactivateAndRestoreAsync(twin);
        await FeedAsync(twin, random, firstSeq: 2701, count: 100);
        await DeactivateAndRestoreAsync(twin);
        Assert.True(StoredVersion("stream", "persisted-once") >= stream + 2, "the stream state was not written at each deactivation");
        Assert.Equal(model, StoredVersion("model", "persisted-once"));
        DrainFindings();

        // The model restored from its one write, under the later stream states, still scores: normal is quiet, a
        // broken relation is found at once.
        await AssertModelScoresAsync(twin, random, firstSeq: 2801, normal: 100, "persisted-once");
    }

    /// <summary>
    /// <paramref name="normal"/> normal states raise no multivariate finding, then 40 with a broken relation raise one on
    /// <paramref name="assetId"/>: the twin has a fitted model in force.
    /// </summary>
    private static async Task AssertModelScoresAsync(ITwinGrain twin, Random random, long firstSeq, int normal, string assetId)
    {
        await FeedAsync(twin, random, firstSeq, count: normal);
        Assert.DoesNotContain(DrainFindings(), f => f.Reason == ReasonCode.MultivariateAnomaly);
        await FeedAsync(twin, random, firstSeq + normal, count: 40, broken: true);
        Assert.Contains(DrainFindings(), f => f.Reason == ReasonCode.MultivariateAnomaly && f.AssetId == assetId);
    }

    /// <summary>The version (writes so far) of a twin's stored state in the silo's <c>twins.db</c>, 0 when never written.</summary>
    private static long StoredVersion(string state, string assetId)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(
            $"Data Source={Path.Combine(TwinClusterFixture.StateDirectory, "twins.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM grain_state WHERE state_name = $s AND grain_id LIKE $g";
        command.Parameters.AddWithValue("$s", state);
        command.Parameters.AddWithValue("$g", "%/" + assetId);
        return command.ExecuteScalar() is long version ? version : 0;
    }

    /// <summary>Deactivates the twin and waits until it has been activated again from its stored state.</summary>
    private static async Task DeactivateAndRestoreAsync(ITwinGrain twin)
    {
        var restoredBefore = TwinClusterFixture.Evidence.Metrics.TwinsRestored;
        await twin.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (TwinClusterFixture.Evidence.Metrics.TwinsRestored == restoredBefore)
        {
            Assert.True(DateTime.UtcNow < deadline, "the twin was never activated again from its stored state");
            await twin.GetSnapshotAsync(); // activates it again once the deactivation is done
        }
    }
}
