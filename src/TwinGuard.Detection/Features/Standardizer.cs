using System.Numerics.Tensors;

namespace TwinGuard.Detection.Features;

/// <summary>Centres and scales each column by the mean and standard deviation of the rows it was fitted on.</summary>
/// <remarks>
/// Fitted on training rows only, so that no statistic of the rows being judged leaks into the model. A column that is
/// constant in training gets scale 1: a later change in it then shows as a plain difference instead of a division by 0.
/// </remarks>
public sealed class Standardizer
{
    private double[] _mean = [];
    private double[] _scale = [];

    /// <summary>Column means from <see cref="Fit"/>.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>Column scales (population standard deviations, or 1 for a constant column) from <see cref="Fit"/>.</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <summary>Number of columns fitted; 0 before <see cref="Fit"/>.</summary>
    public int Columns => _mean.Length;

    /// <summary>Learns each column's mean and standard deviation.</summary>
    public void Fit(FeatureMatrix training)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Rows == 0)
        {
            throw new ArgumentException("no training rows", nameof(training));
        }

        var d = training.Columns;
        var mean = new double[d];
        var m2 = new double[d];
        for (var i = 0; i < training.Rows; i++)
        {
            // Welford's recurrence: stable for signals with a large offset (a pressure of 1e5 Pa ± 10).
            var row = training.Row(i);
            for (var j = 0; j < d; j++)
            {
                var delta = row[j] - mean[j];
                mean[j] += delta / (i + 1);
                m2[j] += delta * (row[j] - mean[j]);
            }
        }

        var scale = new double[d];
        for (var j = 0; j < d; j++)
        {
            var sd = Math.Sqrt(m2[j] / training.Rows);
            scale[j] = sd > 1e-12 * Math.Max(1.0, Math.Abs(mean[j])) ? sd : 1.0;
        }

        _mean = mean;
        _scale = scale;
    }

    /// <summary>The fitted means and scales, for a caller that standardises several rows at once with the same arithmetic.</summary>
    internal (double[] Mean, double[] Scale) Parameters => (_mean, _scale);

    /// <summary>Writes the standardised <paramref name="row"/> to <paramref name="output"/>.</summary>
    public void Transform(ReadOnlySpan<double> row, Span<double> output)
    {
        if (row.Length != _mean.Length)
        {
            throw new ArgumentException($"the standardizer was fitted on {_mean.Length} columns, not {row.Length}");
        }

        // Element by element as (x − mean) / scale, several at a time: the same values as the scalar loop.
        TensorPrimitives.Subtract(row, _mean, output);
        TensorPrimitives.Divide(output[..row.Length], _scale, output);
    }

    /// <summary>A standardised copy of <paramref name="rows"/>.</summary>
    public FeatureMatrix Transform(FeatureMatrix rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var result = new FeatureMatrix(rows.Rows, rows.Columns);
        for (var i = 0; i < rows.Rows; i++)
        {
            Transform(rows.Row(i), result.Row(i));
        }

        return result;
    }
}
