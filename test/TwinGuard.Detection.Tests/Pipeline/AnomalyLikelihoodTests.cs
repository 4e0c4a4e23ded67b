using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Detection.Tests.Pipeline;

public sealed class AnomalyLikelihoodTests
{
    /// <summary>Scores around <paramref name="level"/> with uniform noise of ±<paramref name="noise"/>.</summary>
    private static double[] Noisy(int n, double level, double noise, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => level + noise * (2 * random.NextDouble() - 1))];
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.6448536, 0.05)]
    [InlineData(3.7190165, 1e-4)]
    [InlineData(-1.6448536, 0.95)]
    public void UpperTail_KnownQuantiles_MatchTheNormalDistribution(double z, double tail)
    {
        Assert.Equal(tail, AnomalyLikelihood.UpperTail(z), tail * 1e-5);
    }

    [Fact]
    public void Next_StepUpInAStationaryStream_SignalsOnceAtTheStep()
    {
        var likelihood = new AnomalyLikelihood(new AnomalyLikelihoodOptions());
        var scores = Noisy(1000, 0.2, 0.05, seed: 1).Concat(Noisy(200, 0.9, 0.05, seed: 2)).ToArray();

        var onsets = Enumerable.Range(0, scores.Length).Where(i => likelihood.Next(scores[i])).ToList();

        var onset = Assert.Single(onsets);
        Assert.InRange(onset, 1000, 1005);
    }

    [Fact]
    public void Next_EventLongAfterALastingShift_SignalsWithThePresetsHistoryButNotWithAMonthOfIt()
    {
        // A lasting shift at row 1000, then a burst at row 5000: an alarm at each needs the improbable run opened by the
        // shift to end, that is the history to learn the new level within the 4,000 rows between them.
        var scores = Noisy(1000, 0.1, 0.05, seed: 1).Concat(Noisy(5000, 0.5, 0.05, seed: 2)).ToArray();
        Array.Fill(scores, 0.9, 5000, 20);

        List<int> Onsets(int history)
        {
            var likelihood = new AnomalyLikelihood(new AnomalyLikelihoodOptions
            {
                TailProbability = DetectorCatalog.AlarmTailProbability,
                LongWindow = history,
            });
            return [.. Enumerable.Range(0, scores.Length).Where(i => likelihood.Next(scores[i]))];
        }

        var presets = Onsets(DetectorCatalog.AlarmHistoryRows);
        Assert.Equal(2, presets.Count);
        Assert.InRange(presets[0], 1000, 1005);
        Assert.InRange(presets[1], 5000, 5009);
        // NAB's published 8,640 rows: the history still holds the old level, the run never ends, the burst is not seen.
        Assert.InRange(Assert.Single(Onsets(new AnomalyLikelihoodOptions().LongWindow)), 1000, 1005);
    }

    [Fact]
    public void Next_NoisyStationaryStream_NeverSignals()
    {
        var likelihood = new AnomalyLikelihood(new AnomalyLikelihoodOptions());

        Assert.DoesNotContain(Noisy(20_000, 0.3, 0.2, seed: 3), likelihood.Next);
    }

    [Fact]
    public void Next_SlowDriftOfTheScores_NeverSignals()
    {
        // The history follows a score that creeps from 0.1 to 0.6 over 20,000 rows: a drift is not an onset.
        var likelihood = new AnomalyLikelihood(new AnomalyLikelihoodOptions());
        var noise = Noisy(20_000, 0, 0.05, seed: 4);

        Assert.DoesNotContain(Enumerable.Range(0, noise.Length), i => likelihood.Next(0.1 + 0.5 * i / noise.Length + noise[i]));
    }

    [Fact]
    public void Next_BeforeMinHistoryAndAfterReset_NeverSignals()
    {
        var likelihood = new AnomalyLikelihood(new AnomalyLikelihoodOptions { MinHistory = 100 });
        var early = Noisy(50, 0.1, 0.01, seed: 5).Append(1.0).Append(1.0);
        Assert.DoesNotContain(early, likelihood.Next);

        likelihood.Reset();
        Assert.DoesNotContain(Noisy(99, 0.1, 0.01, seed: 6).Append(1.0), likelihood.Next);
        Assert.Equal(1.0, likelihood.LastTailProbability);
    }

    [Fact]
    public void Next_NonFiniteScore_IsIgnored()
    {
        var likelihood = new AnomalyLikelihood(new AnomalyLikelihoodOptions { MinHistory = 10 });
        foreach (var s in Noisy(200, 0.2, 0.05, seed: 7))
        {
            likelihood.Next(s);
        }

        Assert.False(likelihood.Next(double.NaN));
        Assert.False(likelihood.Next(double.PositiveInfinity));
        Assert.True(likelihood.Next(1.0) || likelihood.Next(1.0) || likelihood.Next(1.0));
    }

    /// <summary>Short window 1 (the average is the score), history settled at 0.1 with a floor deviation of 0.1.</summary>
    private static AnomalyLikelihood Settled(int rows = 10_000)
    {
        var likelihood = new AnomalyLikelihood(new AnomalyLikelihoodOptions { ShortWindow = 1, MinVariance = 0.01, TailProbability = 1e-4 });
        for (var i = 0; i < rows; i++)
        {
            Assert.False(likelihood.Next(0.1));
        }

        return likelihood;
    }

    [Fact]
    public void Next_ScoreHoveringAtTheRedZoneEdge_SignalsOnceUntilItReturnsToItsMean()
    {
        // 0.50 is beyond the 1e-4 tail (z = 4.0), 0.45 just inside it (z = 3.5) but far above the mean: one event.
        var likelihood = Settled();
        var hover = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 0.50 : 0.45);
        var scores = hover.Append(0.1).Concat(hover).ToArray();

        var onsets = Enumerable.Range(0, scores.Length).Where(i => likelihood.Next(scores[i])).ToList();

        // Without the deadband every return to 0.50 was an onset (20 in all).
        Assert.Equal([0, 21], onsets);
        Assert.Equal(2, likelihood.Onsets);
    }

    [Fact]
    public void CalibrateOnNormalRows_OnsetsOnTheNormalRows_TightenTheTailProbability()
    {
        var calibrated = new AnomalyLikelihood(new AnomalyLikelihoodOptions { ShortWindow = 1, MinVariance = 0.01, TailProbability = 1e-4 });
        var control = new AnomalyLikelihood(new AnomalyLikelihoodOptions { ShortWindow = 1, MinVariance = 0.01, TailProbability = 1e-4 });
        var normal = Enumerable.Range(0, 2000).Select(i => i is 500 or 1500 ? 1.0 : 0.1).ToArray();
        Assert.Equal(2, normal.Count(calibrated.Next));
        Assert.Equal(2, normal.Count(control.Next));

        calibrated.CalibrateOnNormalRows();

        Assert.Equal(1e-4 / 3, calibrated.TailProbability, 1e-12);
        Assert.Equal(1e-4, control.TailProbability);

        // A rise the stream's normal rows have shown to be within its reach: improbable enough for the given 1e-4 (the
        // control signals), not for the stream whose normal rows raised two onsets.
        Assert.True(control.Next(0.49));
        Assert.InRange(control.LastTailProbability, 1e-4 / 3, 1e-4);
        Assert.False(calibrated.Next(0.49));
        Assert.False(calibrated.Next(0.1));
        Assert.True(calibrated.Next(0.9), "a clearly larger rise still signals");
    }

    [Fact]
    public void CalibrateOnNormalRows_NoOnsetOnTheNormalRows_KeepsTheTailProbabilityAndOutlivesReset()
    {
        var likelihood = Settled(2000);
        likelihood.CalibrateOnNormalRows();
        Assert.Equal(1e-4, likelihood.TailProbability);

        Assert.True(likelihood.Next(1.0));
        likelihood.CalibrateOnNormalRows();
        likelihood.Reset();
        Assert.Equal(0, likelihood.Onsets);
        Assert.Equal(1e-4 / 2, likelihood.TailProbability);
    }
}
