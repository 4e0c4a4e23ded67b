using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Detection.Tests.Pipeline;

public sealed class EpisodeEndTests
{
    /// <summary>Feeds log-odds over the threshold through the rule with the majority vote of the same window, as the
    /// pipeline does, and returns the kept flags.</summary>
    private static bool[] Run(EpisodeEnd rule, IReadOnlyList<double> logOdds, int window = 15)
    {
        var flags = new bool[logOdds.Count];
        for (var i = 0; i < logOdds.Count; i++)
        {
            var from = Math.Max(0, i - window + 1);
            var votes = 0;
            for (var k = from; k <= i; k++)
            {
                votes += logOdds[k] > 0 ? 1 : 0;
            }

            flags[i] = rule.Next(logOdds[i], 2 * votes >= i - from + 1);
        }

        return flags;
    }

    private static IEnumerable<double> Level(int rows, double level, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ => level + (0.2 * (2 * random.NextDouble() - 1)));
    }

    [Fact]
    public void Next_FaultThenSettledNearTheThreshold_EndsTheEpisodeAndFlagsTheFaultAgain()
    {
        // Normal (−1), a fault far above the threshold (+5), the process settled just above the threshold (+0.5), the
        // fault again (+5), then normal long enough to be back, then a small fault (+0.5) that is judged afresh.
        var stream = Level(100, -1, 1).Concat(Level(100, 5, 2)).Concat(Level(100, 0.5, 3))
            .Concat(Level(100, 5, 4)).Concat(Level(200, -1, 5)).Concat(Level(100, 0.5, 6)).ToList();

        var flags = Run(new EpisodeEnd(new EpisodeEndOptions(), 15), stream);

        Assert.All(flags[..100], Assert.False);
        Assert.All(flags[108..200], Assert.True);
        Assert.All(flags[210..300], Assert.False); // settled: above the threshold, no longer flagged
        Assert.All(flags[310..400], Assert.True); // back at the fault's level
        Assert.All(flags[410..600], Assert.False);
        Assert.All(flags[610..700], Assert.True); // a new, small episode after the stream was normal again
    }

    [Fact]
    public void Next_FaultDecayingButWellAboveTheThreshold_KeepsItsFlag()
    {
        // A fault that peaks at +7 and decays to +1.5: more than e² below its peak, but not back near the threshold.
        var stream = Level(100, -1, 1).Concat(Enumerable.Range(0, 100).Select(i => 7 - (5.5 * i / 100)))
            .Concat(Level(200, 1.5, 2)).ToList();

        var flags = Run(new EpisodeEnd(new EpisodeEndOptions(), 15), stream);

        Assert.All(flags[108..400], Assert.True);
    }

    [Fact]
    public void Next_EpisodeThatNeverRoseFarAboveTheThreshold_IsNeverEndedEarly()
    {
        var stream = Level(100, -1, 1).Concat(Level(100, 1.5, 2)).Concat(Level(100, 0.3, 3)).ToList();

        var flags = Run(new EpisodeEnd(new EpisodeEndOptions(), 15), stream);

        Assert.All(flags[108..300], Assert.True);
    }

    [Fact]
    public void Next_AfterReset_StartsWithNoEpisode()
    {
        var rule = new EpisodeEnd(new EpisodeEndOptions(), 15);
        Run(rule, Level(100, 5, 1).Concat(Level(50, 0.5, 2)).ToList());
        Assert.True(rule.Settled);

        rule.Reset();

        Assert.False(rule.Settled);
        Assert.All(Run(rule, Level(100, 0.5, 3).ToList())[8..], Assert.True);
    }

    [Fact]
    public void LogOddsOver_IsPositiveExactlyAboveTheThreshold()
    {
        Assert.True(EpisodeEnd.LogOddsOver(0.8, 0.7) > 0);
        Assert.True(EpisodeEnd.LogOddsOver(0.6, 0.7) < 0);
        Assert.Equal(Math.Log(4), EpisodeEnd.LogOddsOver(0.8, 0.5), 12);
        Assert.True(double.IsFinite(EpisodeEnd.LogOddsOver(1.0, 0.5)));
    }

    [Fact]
    public void Run_PcaPreset_StopsFlaggingAProcessSettledJustOffItsTrainedPoint()
    {
        // Column 0 is pushed 30 deviations off for 150 rows (the fault), then stays 3 deviations off (settled elsewhere).
        var training = TestData.Gaussian(400, 3, seed: 4);
        var rows = TestData.Gaussian(700, 3, seed: 9);
        for (var i = 200; i < 700; i++)
        {
            rows[i, 0] += i < 350 ? 30 : 3;
        }

        var with = AnomalyPipeline.Fit(training, DetectorCatalog.Create("pca", 7)).Run(rows);
        var without = AnomalyPipeline.Fit(training, DetectorCatalog.Create("pca", 7) with { EpisodeEnd = null }).Run(rows);

        Assert.All(with[215..350], v => Assert.True(v.IsAnomaly));
        Assert.All(without[215..350], v => Assert.True(v.IsAnomaly));
        Assert.True(without[380..].Count(v => v.IsAnomaly) > 250, "the settled rows are above the threshold");
        Assert.True(with[380..].Count(v => v.IsAnomaly) < 20, "the ended episode keeps flagging the settled rows");
    }
}
