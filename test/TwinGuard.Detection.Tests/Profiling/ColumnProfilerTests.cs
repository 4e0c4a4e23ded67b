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
    public void Infer_SetPointStepsBetweenPlateaus_KeepTheLevel_WhileADriftOrAFewShiftsDoNot()
    {
        // 2,400 rows. Column 0: a set-point that steps every 80-160 rows by up to ±300 (through a drive's lag of 6 rows)
        // under noise of 3, and a creep of 10 over the window (a poisoning, a sensor ageing) on top. Column 1: the same
        // steps without noise, followed by a slow first-order lag of 200 rows (a motor temperature). Column 2: one
        // shift of 8 half-way on a wandering level (half a random walk under noise: an event in a recording, not a
        // plant's operating points). Column 3: a random walk.
        const int rows = 2400;
        var random = new Random(11);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var m = new FeatureMatrix(rows, 4);
        var (setPoint, speed, lagged, walk, wander, next) = (2700.0, 2700.0, 2700.0, 0.0, 0.0, 100);
        for (var i = 0; i < rows; i++)
        {
            if (i == next)
            {
                setPoint = Math.Clamp(setPoint + (600 * (random.NextDouble() - 0.5)), 2300, 3000);
                next += 80 + random.Next(81);
            }

            speed += (setPoint - speed) / 6;
            lagged += (speed - lagged) / 200;
            walk += Gauss();
            wander += Gauss();
            m[i, 0] = speed + (3 * Gauss()) - (10.0 * i / rows);
            m[i, 1] = lagged + (0.5 * Gauss());
            m[i, 2] = (i < rows / 2 ? 0 : 8) + (0.5 * wander) + Gauss();
            m[i, 3] = walk;
        }

        var p = ColumnProfiler.Infer(m);
        var before = ColumnProfiler.Infer(m, new ColumnProfilerOptions { MaxPlateauShare = 0 });

        // The steps are what moves column 0: the rules before called it drifting (a slowly wandering level against its
        // noise), the plateaus say operating changes, and its level stays a feature (the creep stays visible to a model).
        Assert.Equal(ColumnKind.Drifting, before[0].Kind);
        Assert.True(p[0].Plateaus >= 6, $"{p[0].Plateaus} plateaus");
        Assert.True(p[0].PlateauShare < 0.25, $"plateau share {p[0].PlateauShare}");
        Assert.Equal(ColumnKind.Continuous, p[0].Kind);
        Assert.False(p[0].LevelFree);

        // A slow lag of the same steps has no shift: its level wanders, it drifts. So do a random walk, and one shift on
        // a wander: too few plateaus to say the window saw the operating points.
        Assert.Equal(ColumnKind.Drifting, p[1].Kind);
        Assert.Equal(ColumnKind.Drifting, before[2].Kind);
        Assert.True(p[2].Plateaus < 6, $"{p[2].Plateaus} plateaus");
        Assert.Equal(ColumnKind.Drifting, p[2].Kind);
        Assert.Equal(ColumnKind.Drifting, p[3].Kind);
        Assert.All(p.Skip(1), c => Assert.True(c.LevelFree));
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
