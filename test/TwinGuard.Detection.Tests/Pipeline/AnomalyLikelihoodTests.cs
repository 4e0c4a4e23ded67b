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
}
