using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Tests.Relations;

/// <summary>Calibration on synthetic data with known coefficients: the fit must recover them.</summary>
public sealed class RelationCalibratorTests
{
    private const long T0 = 1_764_115_200_000;

    private static readonly PlantModel Plant = SamplePlant.Load() with { Relations = [] };

    private static double Gaussian(Random random, double stdDev) =>
        stdDev * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static RelationModel Relation(string id, string kind, string expression, double tolerance, params (string Name, double Value)[] coefficients) =>
        new(id, kind, expression, tolerance, [])
        {
            Coefficients = [.. coefficients.Select(c => new KeyValuePair<string, double>(c.Name, c.Value))],
        };

    /// <summary>An operating point that changes every 30 s, as set-points do, so the coefficients are identifiable.</summary>
    private static RecordedSeries Record(int rows, string[] columns, Func<int, Random, double[]> row, int seed = 11)
    {
        var random = new Random(seed);
        var times = Enumerable.Range(0, rows).Select(i => T0 + (250L * i)).ToArray();
        var values = Enumerable.Range(0, rows).Select(i => row(i, random)).ToArray();
        return new RecordedSeries(times, columns, values);
    }

    [Fact]
    public void Calibrate_LinearRelation_RecoversInterceptAndSlope()
    {
        var relation = Relation("current", "algebraic", "pump1.motor_current ~ i0 + b * pump1.flow", 0.4, ("i0", 1.0), ("b", 0.1));
        var data = Record(8000, ["pump1.motor_current", "pump1.flow"], (i, r) =>
        {
            var flow = 60 + (40 * Math.Sin(i / 120.0));
            return [1.2 + (0.05 * flow) + Gaussian(r, 0.05), flow];
        });

        var result = RelationCalibrator.Calibrate(Plant, relation, data);

        Assert.Equal(1.2, result.Coefficients[0].Fitted, 2);
        Assert.Equal(0.05, result.Coefficients[1].Fitted, 3);
        Assert.InRange(result.Coefficients[1].StandardError, 1e-6, 1e-3);
        Assert.InRange(result.Iterations, 1, 2); // linear in its coefficients: one step, and one to see it converged
        Assert.InRange(result.ResidualStdDev, 0.045, 0.055);
        Assert.Equal(1.0, result.WithinTolerance);
    }

    [Fact]
    public void Calibrate_ProductWithMinimum_RecoversGain()
    {
        var relation = Relation("flow", "algebraic", "pump1.flow ~ k * pump1.speed * min(valve_in.opening, valve_out.opening) / 100", 5, ("k", 0.08));
        var data = Record(6000, ["pump1.flow", "pump1.speed", "valve_in.opening", "valve_out.opening"], (i, r) =>
        {
            var speed = 2300 + (100 * ((i / 120) % 7));
            var vin = 60 + (5 * ((i / 90) % 8));
            var vout = vin + (10 * Math.Sin(i / 50.0));
            return [(0.05 * speed * Math.Min(vin, vout) / 100) + Gaussian(r, 0.8), speed + Gaussian(r, 3), vin, vout];
        });

        var result = RelationCalibrator.Calibrate(Plant, relation, data);

        Assert.Equal(0.05, result.Coefficients[0].Fitted, 4);
        Assert.InRange(result.ResidualStdDev, 0.7, 0.95);
        Assert.True(result.SuggestedTolerance >= 6 * result.ResidualStdDev);
    }

    [Fact]
    public void Calibrate_DynamicTank_RecoversCoefficientFromWindowSums()
    {
        // der(level) = c · flow · (in − out), integrated exactly; the level sensor has 0.5 mm of noise, which makes the
        // one-sample derivative useless (±3 mm/s against a true rate under 2 mm/s) but cancels in the window sums.
        var relation = Relation("tank", "dynamic", "der(tank1.level) ~ c * pump1.flow * (valve_in.opening - valve_out.opening)", 0.006, ("c", 1e-6))
            with { Window = TimeSpan.FromSeconds(30) };
        var level = 1.0;
        var data = Record(20_000, ["tank1.level", "pump1.flow", "valve_in.opening", "valve_out.opening"], (i, r) =>
        {
            var flow = 100 + (20 * Math.Sin(i / 400.0));
            var vin = 80.0;
            var vout = 80 + (10 * Math.Sin(i / 97.0));
            level += flow * (vin - vout) / 600_000 * 0.25;
            return [level + Gaussian(r, 0.0005), flow, vin, vout];
        });

        var result = RelationCalibrator.Calibrate(Plant, relation, data);

        Assert.InRange(result.Coefficients[0].Fitted, 1.0 / 600_000 * 0.98, 1.0 / 600_000 * 1.02);
        Assert.True(result.FitSamples >= 150);
        Assert.True(result.ResidualP99 < 0.006, $"p99 {result.ResidualP99}");
    }

    [Fact]
    public void Calibrate_NonLinearExponent_ConvergesFromAWrongStart()
    {
        var relation = Relation("vibration", "algebraic", "pump1.vibration ~ v0 + a * pow(pump1.speed / 3000, p)", 0.15, ("v0", 0.0), ("a", 1.0), ("p", 1.0));
        var data = Record(6000, ["pump1.vibration", "pump1.speed"], (i, r) =>
        {
            var speed = 1200 + (1800 * (0.5 + (0.5 * Math.Sin(i / 300.0))));
            var ratio = speed / 3000;
            return [0.12 + (0.3 * ratio * ratio) + Gaussian(r, 0.005), speed];
        });

        var result = RelationCalibrator.Calibrate(Plant, relation, data);

        Assert.Equal(0.12, result.Coefficients[0].Fitted, 2);
        Assert.Equal(0.3, result.Coefficients[1].Fitted, 2);
        Assert.Equal(2.0, result.Coefficients[2].Fitted, 1);
        Assert.True(result.Iterations > 1);
    }

    [Fact]
    public void Calibrate_RelationWithoutCoefficients_ReportsResidualStatisticsOnly()
    {
        var relation = Relation("fixed", "algebraic", "pump1.motor_current ~ 1.2 + 0.05 * pump1.flow", 0.1);
        var data = Record(2000, ["pump1.motor_current", "pump1.flow"], (i, r) => [1.2 + (0.05 * 80) + (i % 2 == 0 ? 0.2 : 0), 80]);

        var result = RelationCalibrator.Calibrate(Plant, relation, data);

        Assert.Empty(result.Coefficients);
        Assert.Equal(2000, result.Evaluations);
        Assert.Equal(0.1, result.ResidualMean, 9);
        Assert.Equal(0.5, result.WithinTolerance, 9);
        Assert.Equal(0.2, result.ResidualMaxAbs, 9);
    }

    [Fact]
    public void Calibrate_MissingColumn_SaysWhichSignal()
    {
        var relation = Relation("current", "algebraic", "pump1.motor_current ~ i0 + b * pump1.flow", 0.4, ("i0", 1.0), ("b", 0.1));
        var data = Record(100, ["pump1.motor_current"], (i, r) => [1.0]);

        var error = Assert.Throws<ArgumentException>(() => RelationCalibrator.Calibrate(Plant, relation, data));

        Assert.Contains("no column 'pump1.flow'", error.Message, StringComparison.Ordinal);
    }
}
