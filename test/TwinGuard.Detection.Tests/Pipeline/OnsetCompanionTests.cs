using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Detection.Tests.Pipeline;

public sealed class OnsetCompanionTests
{
    [Fact]
    public void Run_ForecasterCompanion_AlarmsAtALostCycleAndLeavesTheVerdictsAlone()
    {
        var rows = LostCycle();
        var alone = DetectorCatalog.Create("pca", profiling: new() { Period = 0 }) with { Companion = null };
        var paired = DetectorCatalog.Create("pca", profiling: new() { Period = 0 });
        Assert.NotNull(paired.Companion);

        var without = AnomalyPipeline.Fit(rows.Slice(0, 600), alone).Run(rows.Slice(600, rows.Rows - 600));
        var with = AnomalyPipeline.Fit(rows.Slice(0, 600), paired).Run(rows.Slice(600, rows.Rows - 600));

        // The companion is read by the alarm rule only: scores, flags and blamed columns are the main model's.
        Assert.Equal(without.Select(v => (v.Score, v.IsAnomaly, v.TopColumn)), with.Select(v => (v.Score, v.IsAnomaly, v.TopColumn)));

        // Column 0 loses its cycle at test row 500 (every value within its normal range): PCA's likelihood does not
        // see it, the forecaster's does, within a few rows.
        Assert.DoesNotContain(without.Skip(500).Take(100), v => v.Alarm);
        Assert.Contains(with.Skip(500).Take(20), v => v.Alarm);
        Assert.True(with.Take(480).Count(v => v.Alarm) <= 1, $"{with.Take(480).Count(v => v.Alarm)} alarms on normal rows");
    }

    [Fact]
    public void Next_ForecasterCompanion_RaisesTheAlarmsOfBatchScoring()
    {
        var rows = LostCycle();
        var options = DetectorCatalog.Create("pca", profiling: new() { Period = 0 });
        var batch = AnomalyPipeline.Fit(rows.Slice(0, 600), options).Run(rows.Slice(600, rows.Rows - 600));
        var streaming = AnomalyPipeline.Fit(rows.Slice(0, 600), options);

        var alarms = Enumerable.Range(600, rows.Rows - 600).Select(i => streaming.Next(rows.Row(i)).Alarm).ToArray();

        Assert.Equal(batch.Select(v => v.Alarm), alarms);
        Assert.Contains(true, alarms);
    }

    /// <summary>Two cycles; column 0 loses its cycle for 100 rows from row 1100, within its normal range.</summary>
    private static FeatureMatrix LostCycle()
    {
        var rows = TestData.Cycles(1400, seed: 5);
        var random = new Random(6);
        for (var i = 1100; i < 1200; i++)
        {
            rows[i, 0] = (random.NextDouble() * 2) - 1;
        }

        return rows;
    }
}
