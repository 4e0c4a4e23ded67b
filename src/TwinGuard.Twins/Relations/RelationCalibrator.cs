using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Relations;

/// <summary>
/// Fits the coefficients of the plant model's relations to a window of clean recorded data, and reports how well each
/// relation then tracks the asset (residual statistics).
/// </summary>
/// <remarks>
/// <para><b>Fit.</b> Least squares over the relation's declared coefficients, by Gauss–Newton with a numerical Jacobian:
/// for a relation linear in its coefficients (<c>a + b·x</c>, <c>k·speed·opening</c>) the first step is the exact
/// linear least-squares solution; others converge in a few steps from the plant model's values. An algebraic relation
/// is fitted on its residual at every row where all its inputs have a value. A dynamic relation is fitted on its
/// residual summed over consecutive windows of <see cref="RelationModel.Window"/>
/// (<c>x(t+W) − x(t) − ∫ rhs dt</c>): the derivative of a noisy signal over one sample is mostly noise, its
/// integral over a window is not.</para>
/// <para><b>Statistics.</b> The recording is then replayed through a <see cref="RelationEvaluator"/> with the fitted
/// coefficients, so the residual statistics are the ones the twins will see.</para>
/// </remarks>
public static class RelationCalibrator
{
    private const int MaxIterations = 25;

    /// <summary>Calibrates every relation of the plant model that the recording covers.</summary>
    /// <exception cref="ArgumentException">The recording lacks an input of a relation.</exception>
    public static IReadOnlyList<RelationCalibration> CalibrateAll(PlantModel plant, RecordedSeries data)
    {
        ArgumentNullException.ThrowIfNull(plant);
        return [.. plant.Relations.Select(r => Calibrate(plant, r, data))];
    }

    /// <summary>Calibrates one relation on a recording.</summary>
    /// <exception cref="ArgumentException">The recording lacks one of the relation's inputs, or has too few rows.</exception>
    public static RelationCalibration Calibrate(PlantModel plant, RelationModel relation, RecordedSeries data)
    {
        ArgumentNullException.ThrowIfNull(plant);
        ArgumentNullException.ThrowIfNull(relation);
        ArgumentNullException.ThrowIfNull(data);
        var compiled = relation.CompileFor(plant);
        var columns = compiled.Slots.Select(s => data.IndexOf(s) is var c and >= 0
            ? c
            : throw new ArgumentException($"relation {relation.Id}: the recording has no column '{s}'", nameof(data))).ToArray();

        var rows = Rows(data, columns);
        var theta = compiled.Coefficients.ToArray();
        var iterations = 0;
        var standardErrors = Enumerable.Repeat(double.NaN, theta.Length).ToArray();
        var fitSamples = 0;
        if (theta.Length > 0)
        {
            var residuals = relation.IsDynamic
                ? DynamicResiduals(compiled, rows, relation)
                : AlgebraicResiduals(compiled, rows);
            fitSamples = residuals.Count;
            if (fitSamples <= theta.Length)
            {
                throw new ArgumentException($"relation {relation.Id}: {fitSamples} samples to fit {theta.Length} coefficients; record more clean data", nameof(data));
            }

            (theta, iterations, standardErrors) = GaussNewton(residuals, theta);
        }

        var fitted = theta.Length > 0 ? compiled.WithCoefficients(theta) : compiled;
        var stats = ReplayStatistics(plant, relation with { Compiled = fitted }, fitted, data, columns);
        var coefficients = compiled.CoefficientNames
            .Select((name, i) => new FittedCoefficient(name, compiled.Coefficients[i], theta[i], standardErrors[i]))
            .ToList();
        return new RelationCalibration(
            relation.Id,
            relation.Kind,
            coefficients,
            fitSamples,
            iterations,
            stats.Count,
            stats.Mean,
            stats.StdDev,
            stats.P99,
            stats.MaxAbs,
            stats.Within,
            relation.Tolerance,
            Math.Max(6 * stats.StdDev, 1.5 * stats.MaxAbs));
    }

    /// <summary>Rows where every input has a value: (time, values in slot order).</summary>
    private static List<(long TimeMs, double[] Values)> Rows(RecordedSeries data, int[] columns)
    {
        var rows = new List<(long, double[])>(data.TimesMs.Count);
        for (var r = 0; r < data.TimesMs.Count; r++)
        {
            var row = data.Values[r];
            var values = new double[columns.Length];
            var complete = true;
            for (var s = 0; s < columns.Length; s++)
            {
                values[s] = row[columns[s]];
                complete &= double.IsFinite(values[s]);
            }

            if (complete)
            {
                rows.Add((data.TimesMs[r], values));
            }
        }

        return rows;
    }

    private static List<Func<double[], double>> AlgebraicResiduals(CompiledRelation relation, List<(long TimeMs, double[] Values)> rows) =>
        [.. rows.Select(row => (Func<double[], double>)(theta => relation.Residual(row.Values, row.Values, 0, theta)))];

    private static List<Func<double[], double>> DynamicResiduals(CompiledRelation relation, List<(long TimeMs, double[] Values)> rows, RelationModel model)
    {
        // Consecutive windows of W: the sum of r·dt over each, broken wherever the inputs have a gap.
        var windowMs = (long)model.Window.TotalMilliseconds;
        var maxGapMs = (long)model.MaxAge.TotalMilliseconds;
        var result = new List<Func<double[], double>>();
        var start = 0;
        for (var i = 1; i < rows.Count; i++)
        {
            var gap = rows[i].TimeMs - rows[i - 1].TimeMs > maxGapMs;
            if (gap)
            {
                start = i;
                continue;
            }

            if (rows[i].TimeMs - rows[start].TimeMs >= windowMs)
            {
                var (from, to) = (start, i);
                result.Add(theta =>
                {
                    var sum = 0.0;
                    for (var k = from + 1; k <= to; k++)
                    {
                        var dt = (rows[k].TimeMs - rows[k - 1].TimeMs) / 1000.0;
                        sum += relation.Residual(rows[k].Values, rows[k - 1].Values, dt, theta) * dt;
                    }

                    return sum;
                });
                start = i;
            }
        }

        return result;
    }

    private static (double[] Theta, int Iterations, double[] StandardErrors) GaussNewton(List<Func<double[], double>> residuals, double[] initial)
    {
        var p = initial.Length;
        var n = residuals.Count;
        var theta = (double[])initial.Clone();
        var r = new double[n];
        var jacobian = new double[n, p];
        var iterations = 0;
        var previousCost = double.PositiveInfinity;
        double[,] normal = new double[p, p];
        while (iterations < MaxIterations)
        {
            iterations++;
            var cost = Evaluate(residuals, theta, r);
            for (var j = 0; j < p; j++)
            {
                var h = 1e-6 * Math.Max(Math.Abs(theta[j]), 1e-3);
                var trial = (double[])theta.Clone();
                trial[j] += h;
                for (var i = 0; i < n; i++)
                {
                    jacobian[i, j] = (residuals[i](trial) - r[i]) / h;
                }
            }

            // Normal equations (JᵀJ) δ = −Jᵀr.
            normal = new double[p, p];
            var rhs = new double[p];
            for (var i = 0; i < n; i++)
            {
                for (var a = 0; a < p; a++)
                {
                    rhs[a] -= jacobian[i, a] * r[i];
                    for (var b = 0; b < p; b++)
                    {
                        normal[a, b] += jacobian[i, a] * jacobian[i, b];
                    }
                }
            }

            var step = Solve(normal, rhs);
            if (step is null)
            {
                break;
            }

            // Step halving keeps a non-linear fit from overshooting; a linear one takes the full step at once.
            var scale = 1.0;
            double[] next;
            double nextCost;
            do
            {
                next = [.. theta.Select((t, j) => t + (scale * step[j]))];
                nextCost = Evaluate(residuals, next, r);
                scale /= 2;
            }
            while (nextCost > cost && scale > 1e-6);

            if (nextCost > cost)
            {
                break;
            }

            theta = next;
            var converged = Math.Abs(previousCost - nextCost) <= 1e-12 * Math.Max(nextCost, 1e-300)
                || step.Select((d, j) => Math.Abs(d) <= 1e-10 * Math.Max(Math.Abs(theta[j]), 1e-12)).All(b => b);
            previousCost = nextCost;
            if (converged || iterations > 1 && Math.Abs(cost - nextCost) <= 1e-10 * cost)
            {
                break;
            }
        }

        var finalCost = Evaluate(residuals, theta, r);
        var variance = finalCost / Math.Max(1, n - p);
        var errors = new double[p];
        for (var j = 0; j < p; j++)
        {
            var unit = new double[p];
            unit[j] = 1;
            var column = Solve(normal, unit);
            errors[j] = column is null ? double.NaN : Math.Sqrt(Math.Max(0, variance * column[j]));
        }

        return (theta, iterations, errors);
    }

    private static double Evaluate(List<Func<double[], double>> residuals, double[] theta, double[] r)
    {
        var cost = 0.0;
        for (var i = 0; i < residuals.Count; i++)
        {
            r[i] = residuals[i](theta);
            cost += r[i] * r[i];
        }

        return cost;
    }

    /// <summary>Gaussian elimination with partial pivoting, after scaling to unit diagonal (coefficients of very different
    /// magnitudes, 1e-6 next to 1, are common); null when the system is singular (a coefficient the data cannot
    /// determine).</summary>
    private static double[]? Solve(double[,] matrix, double[] vector)
    {
        var p = vector.Length;
        var scale = new double[p];
        for (var i = 0; i < p; i++)
        {
            scale[i] = matrix[i, i] > 0 ? 1 / Math.Sqrt(matrix[i, i]) : 0;
            if (scale[i] == 0)
            {
                return null;
            }
        }

        var a = new double[p, p + 1];
        for (var i = 0; i < p; i++)
        {
            for (var j = 0; j < p; j++)
            {
                a[i, j] = matrix[i, j] * scale[i] * scale[j];
            }

            a[i, p] = vector[i] * scale[i];
        }

        for (var col = 0; col < p; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < p; row++)
            {
                if (Math.Abs(a[row, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = row;
                }
            }

            if (Math.Abs(a[pivot, col]) < 1e-12)
            {
                return null;
            }

            for (var j = 0; j <= p; j++)
            {
                (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            }

            for (var row = 0; row < p; row++)
            {
                if (row == col)
                {
                    continue;
                }

                var factor = a[row, col] / a[col, col];
                for (var j = col; j <= p; j++)
                {
                    a[row, j] -= factor * a[col, j];
                }
            }
        }

        var x = new double[p];
        for (var i = 0; i < p; i++)
        {
            x[i] = a[i, p] / a[i, i] * scale[i];
        }

        return x;
    }

    private static (long Count, double Mean, double StdDev, double P99, double MaxAbs, double Within) ReplayStatistics(
        PlantModel plant, RelationModel relation, CompiledRelation compiled, RecordedSeries data, int[] columns)
    {
        var evaluator = new RelationEvaluator(relation, compiled, plant.Detection);
        var residuals = new List<double>(data.TimesMs.Count);
        for (var r = 0; r < data.TimesMs.Count; r++)
        {
            var row = data.Values[r];
            var time = data.TimesMs[r];
            for (var s = 0; s < columns.Length; s++)
            {
                if (double.IsFinite(row[columns[s]]))
                {
                    evaluator.Offer(s, time, row[columns[s]]);
                }
            }

            var before = evaluator.Evaluations;
            evaluator.Evaluate(time);
            if (evaluator.Evaluations > before && double.IsFinite(evaluator.Last.Residual))
            {
                residuals.Add(evaluator.Last.Residual);
            }
        }

        if (residuals.Count == 0)
        {
            return (0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var mean = residuals.Average();
        var std = Math.Sqrt(residuals.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, residuals.Count - 1));
        var absolute = residuals.Select(Math.Abs).Order().ToArray();
        var p99 = absolute[Math.Min(absolute.Length - 1, (int)Math.Ceiling(0.99 * absolute.Length) - 1)];
        var within = absolute.Count(x => x <= relation.Tolerance) / (double)absolute.Length;
        return (residuals.Count, mean, std, p99, absolute[^1], within);
    }
}
