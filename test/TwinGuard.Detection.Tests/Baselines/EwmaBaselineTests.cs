using TwinGuard.Detection.Baselines;

namespace TwinGuard.Detection.Tests.Baselines;

public sealed class EwmaBaselineTests
{
    [Fact]
    public void Score_DuringWarmUp_IsZero()
    {
        var baseline = new EwmaBaseline(alpha: 0.1, warmUp: 10, minStdDev: 0.01);
        for (var i = 0; i < 9; i++)
        {
            baseline.Learn(i);
        }

        Assert.False(baseline.IsWarm);
        Assert.Equal(0.0, baseline.Score(1e9));
    }

    [Fact]
    public void Score_ConstantSignal_UsesStdDevFloor()
    {
        var baseline = new EwmaBaseline(alpha: 0.1, warmUp: 5, minStdDev: 0.5);
        for (var i = 0; i < 50; i++)
        {
            baseline.Learn(20.0);
        }

        Assert.Equal(0.0, baseline.Score(20.0));
        Assert.Equal(2.0, baseline.Score(21.0), 9);
    }

    [Fact]
    public void Learn_StationaryNoise_TracksMeanAndStdDev()
    {
        var random = new Random(7);
        var baseline = new EwmaBaseline(alpha: 0.01, warmUp: 30, minStdDev: 0);
        for (var i = 0; i < 20_000; i++)
        {
            // Uniform(-1, 1) has standard deviation 1/sqrt(3).
            baseline.Learn(50 + (2 * random.NextDouble()) - 1);
        }

        Assert.Equal(50.0, baseline.Mean, 0.1);
        Assert.Equal(1 / Math.Sqrt(3), baseline.StdDev, 0.08);
    }

    [Fact]
    public void Learn_NonFinite_IsIgnored()
    {
        var baseline = new EwmaBaseline(alpha: 0.1, warmUp: 1, minStdDev: 0);
        baseline.Learn(1);
        baseline.Learn(double.NaN);
        baseline.Learn(double.PositiveInfinity);

        Assert.Equal(1, baseline.Count);
        Assert.Equal(1.0, baseline.Mean);
    }
}
