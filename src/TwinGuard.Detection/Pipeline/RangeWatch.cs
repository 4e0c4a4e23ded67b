namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// Watches each input column for a value beyond everything the stream has shown so far: below its minimum or above its
/// maximum by more than a fraction of its range. Numenta's NAB detector raises such a "spatial anomaly" beside its
/// likelihood (NAB <c>numenta_detector.py</c>, tolerance 5 % of the range): a level never seen is news however the
/// model scores it.
/// </summary>
/// <remarks>Causal: a row is compared with the rows before it, then widens the range. Memory: two values per column.</remarks>
public sealed class RangeWatch
{
    private readonly double _tolerance;
    private readonly int _minRows;
    private readonly double[] _min;
    private readonly double[] _max;
    private long _seen;

    /// <summary>Creates a watch over <paramref name="columns"/> columns.</summary>
    /// <param name="columns">Input columns.</param>
    /// <param name="tolerance">Fraction of a column's range a value must pass its minimum or maximum by.</param>
    /// <param name="minRows">Rows to see before any value counts as outside (a range of a few rows is no range).</param>
    public RangeWatch(int columns, double tolerance, int minRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minRows, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        _tolerance = tolerance;
        _minRows = minRows;
        _min = new double[columns];
        _max = new double[columns];
        Reset();
    }

    /// <summary>True when a value of <paramref name="row"/> lies beyond the range seen so far (never before the minimum rows).</summary>
    public bool Next(ReadOnlySpan<double> row)
    {
        var outside = false;
        for (var j = 0; j < _min.Length && j < row.Length; j++)
        {
            var value = row[j];
            if (!double.IsFinite(value))
            {
                continue;
            }

            var range = _max[j] - _min[j];
            if (_seen >= _minRows && range > 0)
            {
                var margin = _tolerance * range;
                outside |= value > _max[j] + margin || value < _min[j] - margin;
            }

            _min[j] = Math.Min(_min[j], value);
            _max[j] = Math.Max(_max[j], value);
        }

        _seen++;
        return outside;
    }

    /// <summary>Forgets every range.</summary>
    public void Reset()
    {
        Array.Fill(_min, double.PositiveInfinity);
        Array.Fill(_max, double.NegativeInfinity);
        _seen = 0;
    }
}
