using TwinGuard.Detection.Thresholds;

namespace TwinGuard.Detection.Tests.Thresholds;

public sealed class ScoreThresholdTests
{
    [Fact]
    public void QuantileOf_FiveValues_InterpolatesLinearly()
    {
        // Type 7 (numpy's default): h = (n − 1) q = 4 × 0.9 = 3.6 → 0.4 + 0.6 × (0.5 − 0.4) = 0.46
        Assert.Equal(0.46, ScoreThreshold.QuantileOf([0.1, 0.5, 0.2, 0.4, 0.3], 0.9), 12);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(2400, 2)]
    [InlineData(2401, 3)]
    [InlineData(777, 4)]
    public void QuantileOf_AnyValues_SameAsFromASortedCopy(int n, int seed)
    {
        // The selection must give the two order statistics a sort gives, to the bit: thresholds and PCA's normalising
        // quantiles come from it, and the twins' decisions must not move.
        var random = new Random(seed);
        var values = Enumerable.Range(0, n).Select(_ => random.Next(4) == 0 ? Math.Round(random.NextDouble(), 1) : random.NextDouble() * 10).ToArray();
        var ties = Enumerable.Repeat(0.25, n).ToArray();
        foreach (var data in new[] { values, ties })
        {
            foreach (var q in new[] { 0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0 })
            {
                var sorted = data.ToArray();
                Array.Sort(sorted);
                var h = (sorted.Length - 1) * q;
                var lo = (int)Math.Floor(h);
                var hi = Math.Min(lo + 1, sorted.Length - 1);
                var expected = sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));

                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(ScoreThreshold.QuantileOf(data, q)));
            }
        }
    }

    [Fact]
    public void QuantileOf_WithNaN_OrdersNaNFirstAsASortDoes()
    {
        Assert.True(double.IsNaN(ScoreThreshold.QuantileOf([3.0, double.NaN, 1.0], 0)));
        Assert.Equal(3.0, ScoreThreshold.QuantileOf([3.0, double.NaN, 1.0], 1));
    }

    [Fact]
    public void Quantile_Multiplier_ScalesTheOdds()
    {
        var threshold = ScoreThreshold.Quantile([0.5, 0.5, 0.5], 0.99, multiplier: 3);

        // odds(0.5) = 1 → 3 → score 3/4
        Assert.Equal(0.75, threshold.Value, 12);
        Assert.False(threshold.IsAnomaly(0.75));
        Assert.True(threshold.IsAnomaly(0.7500001));
    }

    [Fact]
    public void PeaksOverThreshold_ExponentialTail_ExtrapolatesBeyondTheSample()
    {
        // Odds with an exponential tail (GPD with γ = 0): P(odds > z) = e^(−z). The risk 1e-4 level is z = ln 1e4 ≈ 9.2,
        // beyond the largest of 2,000 draws (≈ ln 2000 ≈ 7.6).
        var random = new Random(3);
        var scores = Enumerable.Range(0, 2000).Select(_ =>
        {
            var odds = -Math.Log(1 - random.NextDouble());
            return odds / (1 + odds);
        }).ToArray();
        var threshold = ScoreThreshold.PeaksOverThreshold(scores, risk: 1e-4);
        var odds = threshold.Value / (1 - threshold.Value);

        Assert.InRange(odds, 7.5, 11.5);
        Assert.True(threshold.Value > scores.Max());
    }

    [Fact]
    public void PeaksOverThreshold_ConstantScores_NeverBelowThem()
    {
        var threshold = ScoreThreshold.PeaksOverThreshold(Enumerable.Repeat(0.3, 100).ToArray());

        Assert.False(threshold.IsAnomaly(0.3));
    }
}
