using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Detection.Tests.Pipeline;

public sealed class AnomalyPipelineAlarmTests
{
    /// <summary>Gaussian rows with column 0 pushed 20 deviations off during each [start, start + length) range.</summary>
    private static FeatureMatrix WithBursts(int rows, params (int Start, int Length)[] bursts)
    {
        var m = TestData.Gaussian(rows, 3, seed: 5);
        foreach (var (start, length) in bursts)
        {
            for (var i = start; i < start + length; i++)
            {
                m[i, 0] += 20;
            }
        }

        return m;
    }

    /// <summary>The <c>pca</c> preset with alarms at the starts of flagged episodes (no likelihood).</summary>
    private static AnomalyPipelineOptions Options(int refractory) =>
        DetectorCatalog.Create("pca", 7) with { RefractoryRows = refractory, Likelihood = null };

    [Fact]
    public void Run_DefaultOnsetAlarms_AlarmAtEachBurstWithinTheShortWindow()
    {
        var pipeline = AnomalyPipeline.Fit(TestData.Gaussian(400, 3, seed: 4), DetectorCatalog.Create("pca", 7));
        var verdicts = pipeline.Run(WithBursts(1000, (200, 40), (600, 40)));

        var alarms = Enumerable.Range(0, verdicts.Length).Where(i => verdicts[i].Alarm).ToList();
        var episodes = AnomalyEpisode.From(verdicts);
        Assert.Equal(2, episodes.Count);
        Assert.Equal(2, alarms.Count);
        // A new level alarms on its first row (range watch, likelihood); a repeat of the same burst is less improbable
        // for the history that learned the first, so its alarm may wait for the short average (10 rows).
        Assert.Equal(200, alarms[0]);
        Assert.True(alarms[0] <= episodes[0].Start);
        Assert.InRange(alarms[1], 600, 609);
        Assert.All(episodes, e => Assert.True(e.Alarmed));
    }

    [Fact]
    public void Run_DefaultOnsetAlarms_DailyOneRowSpikeAlarmsUntilItsBeatIsKnown_ABurstOffTheBeatStillAlarms()
    {
        // A nightly job: column 0 jumps 12 deviations for one row every 288 rows (a day of 5-minute rows); the
        // autocorrelation of such a spike is near 0, so no period is inferred. A 40-row burst off the beat is news.
        var training = TestData.Gaussian(400, 3, seed: 4);
        var stream = WithBursts(3500, (3200, 40));
        int[] spikes = [.. Enumerable.Range(0, 11).Select(k => 150 + 288 * k)];
        foreach (var i in spikes)
        {
            stream[i, 0] += 12;
        }

        // The likelihood judges the average of the last 10 scores: its onset can come a few rows after the spike.
        bool AtASpike(int row) => spikes.Any(s => row >= s && row < s + 10);
        var preset = DetectorCatalog.Create("pca", 7);
        var alarms = Alarms(AnomalyPipeline.Fit(training, preset).Run(stream));
        var everySpike = Alarms(AnomalyPipeline.Fit(training, preset with { RecurrenceTolerance = null }).Run(stream));

        // Without the beat each spike is improbable for the likelihood: most of them alarm.
        Assert.True(everySpike.Count(AtASpike) >= 8, string.Join(",", everySpike));
        // With it, the first three alarm, then the spikes are quiet while nothing else happens (the 4th .. 8th).
        // (Any other event, such as a chance onset of the Gaussian rows, breaks the beat: the next three spikes are
        // news again, see RecurringOnsetsTests.)
        var list = string.Join(",", alarms);
        Assert.True(spikes[..3].All(s => alarms.Any(i => i >= s && i < s + 10)), list);
        Assert.DoesNotContain(alarms, i => i >= spikes[3] && i < spikes[8]);
        Assert.True(everySpike.Count(i => i >= spikes[3] && i < spikes[8]) >= 4, string.Join(",", everySpike));
        Assert.Contains(alarms, i => i is >= 3200 and < 3210);
    }

    private static List<int> Alarms(AnomalyVerdict[] verdicts) =>
        [.. Enumerable.Range(0, verdicts.Length).Where(i => verdicts[i].Alarm)];

    [Fact]
    public void Run_DefaultOnsetAlarms_AtMostOneAlarmPer1000NormalRows()
    {
        // Normal rows can still set a new record beyond a column's range (the range watch), so a few alarms are possible.
        var pipeline = AnomalyPipeline.Fit(TestData.Gaussian(400, 3, seed: 4), DetectorCatalog.Create("pca", 7));
        var verdicts = pipeline.Run(TestData.Gaussian(3000, 3, seed: 11));

        Assert.InRange(verdicts.Count(v => v.Alarm), 0, 3);
    }

    [Fact]
    public void Run_TwoEpisodesFarApart_RaisesOneAlarmAtEachStart()
    {
        var pipeline = AnomalyPipeline.Fit(TestData.Gaussian(400, 3, seed: 4), Options(refractory: 100));
        var verdicts = pipeline.Run(WithBursts(1000, (200, 40), (600, 40)));

        var alarms = Enumerable.Range(0, verdicts.Length).Where(i => verdicts[i].Alarm).ToList();
        Assert.Equal(2, alarms.Count);
        Assert.InRange(alarms[0], 200, 215);
        Assert.InRange(alarms[1], 600, 615);
        Assert.All(alarms, i => Assert.True(verdicts[i].IsAnomaly && !verdicts[i - 1].IsAnomaly));
        var episodes = AnomalyEpisode.From(verdicts);
        Assert.Equal(2, episodes.Count);
        Assert.All(episodes, e => Assert.True(e.Alarmed));
        Assert.All(episodes, e => Assert.Equal(0, e.TopColumns[0]));
    }

    [Fact]
    public void Run_SecondEpisodeInsideRefractoryPeriod_RaisesNoSecondAlarm()
    {
        var pipeline = AnomalyPipeline.Fit(TestData.Gaussian(400, 3, seed: 4), Options(refractory: 100));
        var verdicts = pipeline.Run(WithBursts(600, (200, 40), (290, 40)));

        var episodes = AnomalyEpisode.From(verdicts);
        Assert.Equal(2, episodes.Count);
        Assert.True(episodes[0].Alarmed);
        Assert.False(episodes[1].Alarmed);
        Assert.Equal(1, verdicts.Count(v => v.Alarm));
    }

    [Fact]
    public void Run_NoRefractoryPeriod_AlarmsEveryEpisode()
    {
        var pipeline = AnomalyPipeline.Fit(TestData.Gaussian(400, 3, seed: 4), Options(refractory: 0));
        var verdicts = pipeline.Run(WithBursts(600, (200, 40), (290, 40)));

        Assert.Equal(2, verdicts.Count(v => v.Alarm));
    }

    [Fact]
    public void Fit_HeldOutCalibration_SetsAHigherThresholdThanInSampleScores()
    {
        // A model scores the rows it was fitted on lower than new rows; the held-out folds see that.
        var training = TestData.Gaussian(300, 6, seed: 9);
        var inSample = AnomalyPipeline.Fit(training, Options(0) with { Threshold = new ThresholdOptions { PeaksOverThreshold = true } });
        var heldOut = AnomalyPipeline.Fit(training, Options(0) with { Threshold = new ThresholdOptions { PeaksOverThreshold = true, Folds = 5 } });

        Assert.True(heldOut.Threshold.Value > inSample.Threshold.Value, $"{heldOut.Threshold.Value} vs {inSample.Threshold.Value}");
    }
}
