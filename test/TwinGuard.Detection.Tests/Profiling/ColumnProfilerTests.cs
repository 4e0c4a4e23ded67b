using TwinGuard.Detection.Profiling;

namespace TwinGuard.Detection.Tests.Profiling;

public sealed class ColumnProfilerTests
{
    private const int Rows = 600;

    /// <summary>Columns: white noise, a trend under noise, a 50-row sine under noise, a constant, a 3-level set-point, a random walk.</summary>
    private static FeatureMatrix Signals()
    {
        var random = new Random(3);
        double Noise() => random.NextDouble() - 0.5;
        var m = new FeatureMatrix(Rows, 6);
        var walk = 0.0;
        for (var i = 0; i < Rows; i++)
        {
            walk += Noise();
            m[i, 0] = 10 + Noise();
            m[i, 1] = 20 + (0.01 * i) + (0.3 * Noise());
            m[i, 2] = (5 * Math.Sin(2 * Math.PI * i / 50)) + Noise();
            m[i, 3] = 7.5;
            m[i, 4] = (i / 100) % 3;
            m[i, 5] = walk;
        }

        return m;
    }

    [Fact]
    public void Infer_TypicalSignals_ClassifiesEach()
    {
        var p = ColumnProfiler.Infer(Signals());

        Assert.Equal(ColumnKind.Continuous, p[0].Kind);
        Assert.False(p[0].LevelFree);
        Assert.Equal(0, p[0].Period);
        Assert.InRange(p[0].Smoothness, 1.5, 2.5);

        Assert.Equal(ColumnKind.Drifting, p[1].Kind);
        Assert.True(p[1].LevelFree);
        Assert.True(p[1].TrendShare > 0.9, $"R² {p[1].TrendShare}");

        Assert.Equal(ColumnKind.Continuous, p[2].Kind);
        Assert.InRange(p[2].Period, 49, 51);
        Assert.False(p[2].LevelFree);

        Assert.Equal(ColumnKind.Constant, p[3].Kind);
        Assert.Equal(ColumnKind.Discrete, p[4].Kind);
        Assert.Equal(3, p[4].DistinctValues);

        Assert.Equal(ColumnKind.Drifting, p[5].Kind);
        Assert.True(p[5].Smoothness < 0.5, $"von Neumann {p[5].Smoothness}");
        Assert.All(p, c => Assert.False(c.Overridden));
    }

    [Fact]
    public void Infer_WarmUpThatSettles_KeepsTheLevel_WhileATrendThatGoesOnDrifts()
    {
        // Column 0: a warm-up, 3 units approached with a time constant of 100 rows, then flat under noise (a pump coming
        // up to speed at the start of a recording). Column 1: the same 3 units climbed at a steady rate.
        var random = new Random(5);
        var m = new FeatureMatrix(Rows, 2);
        for (var i = 0; i < Rows; i++)
        {
            m[i, 0] = 75 + (3 * (1 - Math.Exp(-i / 100.0))) + (2 * (random.NextDouble() - 0.5));
            m[i, 1] = 75 + (3.0 * i / Rows) + (2 * (random.NextDouble() - 0.5));
        }

        var p = ColumnProfiler.Infer(m);

        // The warm-up passes the trend test (a line explains over a quarter of its variance) and not the smoothness
        // test, so the persistence of the trend is what keeps its level.
        Assert.True(p[0].TrendShare >= 0.25, $"R² {p[0].TrendShare}");
        Assert.True(p[0].Smoothness >= 0.5, $"von Neumann {p[0].Smoothness}");
        Assert.True(p[0].TrendPersistence < 0.5, $"persistence {p[0].TrendPersistence}");
        Assert.Equal(ColumnKind.Continuous, p[0].Kind);
        Assert.False(p[0].LevelFree);

        Assert.InRange(p[1].TrendPersistence, 0.5, 1.5);
        Assert.Equal(ColumnKind.Drifting, p[1].Kind);
        Assert.True(p[1].LevelFree);

        // With persistence off, both are drifting (the rule before).
        var before = ColumnProfiler.Infer(m, new ColumnProfilerOptions { DriftTrendPersistence = double.NegativeInfinity });
        Assert.All(before, c => Assert.True(c.LevelFree));
    }

    [Fact]
    public void Infer_UserOverrides_WinOverTheData()
    {
        var p = ColumnProfiler.Infer(Signals(), new ColumnProfilerOptions { LevelFreeColumns = [0], Period = 0 });

        Assert.True(p[0].LevelFree);
        Assert.False(p[1].LevelFree);
        Assert.Equal(0, p[2].Period);
        Assert.All(p, c => Assert.True(c.Overridden));
    }

    [Fact]
    public void Infer_PeriodOutsideTheSearchedRange_IsNotReportedOrAMultiple()
    {
        Assert.Equal(0, ColumnProfiler.Infer(Signals(), new ColumnProfilerOptions { MinPeriod = 60, MaxPeriod = 90 })[2].Period);
        Assert.InRange(ColumnProfiler.Infer(Signals(), new ColumnProfilerOptions { MinPeriod = 60 })[2].Period, 99, 101);
    }
}
