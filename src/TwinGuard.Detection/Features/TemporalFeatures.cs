namespace TwinGuard.Detection.Features;

/// <summary>
/// Turns a stream of rows into features over time: the value, a rolling mean and deviation, and the change over a
/// window, so that a collective anomaly (a valve closing slowly, a vibration that grows) is visible in a single row.
/// </summary>
/// <remarks>
/// Causal: row t's features use rows t − window + 1 .. t only, so the same code serves batch evaluation and live
/// scoring. Until the window has filled, statistics run over the rows seen so far. The stream state carries on from
/// one call to the next: call <see cref="Reset"/> to start a new stream.
/// </remarks>
public sealed class TemporalFeatures
{
    private readonly TemporalFeatureOptions _options;
    private readonly int _inputs;
    private readonly double[] _ring;
    private readonly int[] _sourceOf;
    private readonly Kind[] _kindOf;
    private readonly double[][] _seasonal;
    private readonly double[] _means;
    private readonly long[] _meanOfRow;
    private readonly bool[] _levelFree = [];
    private long _seen;

    /// <summary>Creates the transform for <paramref name="inputColumns"/> input columns.</summary>
    public TemporalFeatures(int inputColumns, TemporalFeatureOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputColumns);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Window);
        _options = options;
        _inputs = inputColumns;
        ArgumentOutOfRangeException.ThrowIfNegative(options.Lags);
        var window = Math.Max(options.Window, 1);
        _ring = new double[(Math.Max(window, options.Lags) + 1) * inputColumns];
        _means = new double[inputColumns];
        _meanOfRow = new long[inputColumns];
        var sources = new List<int>();
        var kinds = new List<Kind>();
        void Add(Kind kind, bool enabled, bool levelSensitive)
        {
            if (!enabled)
            {
                return;
            }

            for (var j = 0; j < inputColumns; j++)
            {
                if (levelSensitive && options.LevelFreeColumns.Contains(j))
                {
                    continue;
                }

                sources.Add(j);
                kinds.Add(kind);
            }
        }

        var temporal = options.Window > 1;
        Add(Kind.Value, options.Value || !temporal, levelSensitive: temporal);
        Add(Kind.Mean, temporal && options.RollingMean, levelSensitive: true);
        Add(Kind.StdDev, temporal && options.RollingStdDev, levelSensitive: false);
        Add(Kind.Delta, temporal && options.Delta, levelSensitive: false);
        _seasonal = new double[inputColumns][];
        foreach (var (column, period) in options.Periods.OrderBy(p => p.Key))
        {
            ArgumentOutOfRangeException.ThrowIfNegative(column, nameof(options));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, inputColumns, nameof(options));
            if (period < 2 || !temporal)
            {
                continue;
            }

            _seasonal[column] = new double[period + 1];
            sources.Add(column);
            kinds.Add(Kind.Seasonal);
        }

        if (options.Lags > 0)
        {
            Lags = new LagWindow(sources.Count, options.Lags + 1, inputColumns);
            _levelFree = new bool[inputColumns];
            foreach (var column in options.LevelFreeColumns)
            {
                _levelFree[column] = true;
            }

            for (var k = options.Lags; k >= 0; k--)
            {
                for (var j = 0; j < inputColumns; j++)
                {
                    sources.Add(j);
                    kinds.Add(Kind.Lag);
                }
            }
        }

        if (sources.Count == 0)
        {
            throw new ArgumentException("the options leave no feature to compute", nameof(options));
        }

        _sourceOf = [.. sources];
        _kindOf = [.. kinds];
    }

    private enum Kind
    {
        Value,
        Mean,
        StdDev,
        Delta,
        Seasonal,
        Lag,
    }

    /// <summary>Number of input columns.</summary>
    public int InputColumns => _inputs;

    /// <summary>Number of output features per row.</summary>
    public int OutputColumns => _sourceOf.Length;

    /// <summary>Where the window of lagged values lies in each output row (<see cref="TemporalFeatureOptions.Lags"/>); null without one.</summary>
    public LagWindow? Lags { get; }

    /// <summary>The input column that output feature <paramref name="feature"/> is derived from.</summary>
    public int SourceColumn(int feature) => _sourceOf[feature];

    /// <summary>A readable name for each output feature, e.g. <c>Pressure.mean10</c>.</summary>
    public IReadOnlyList<string> FeatureNames(IReadOnlyList<string> inputNames)
    {
        ArgumentNullException.ThrowIfNull(inputNames);
        var w = _options.Window;
        return [.. _sourceOf.Select((s, i) => _kindOf[i] switch
        {
            Kind.Value => inputNames[s],
            Kind.Mean => $"{inputNames[s]}.mean{w}",
            Kind.StdDev => $"{inputNames[s]}.std{w}",
            Kind.Seasonal => $"{inputNames[s]}.seasonal{_seasonal[s].Length - 1}",
            Kind.Lag => $"{inputNames[s]}.lag{Lags!.Steps - 1 - ((i - Lags.Start) / _inputs)}",
            _ => $"{inputNames[s]}.delta{w}",
        })];
    }

    /// <summary>True once a full window has been seen, so that every rolling statistic covers the whole window.</summary>
    public bool IsWarm => _seen >= Math.Max(_options.Window, _options.Lags + 1);

    /// <summary>Rows at the start of a stream whose window (or window of lagged values) is incomplete.</summary>
    public int WarmUpRows => Math.Max(_options.Window - 1, _options.Lags);

    /// <summary>Rows at the start of a stream before every feature, seasonal differences included, sees its full history.</summary>
    public int FullHistoryRows => Math.Max(WarmUpRows, _seasonal.Max(h => h is null ? 0 : h.Length - 1));

    /// <summary>Starts a new stream.</summary>
    public void Reset()
    {
        _seen = 0;
        Array.Clear(_meanOfRow); // row numbers start again: a stale mean must not pass for this row's
    }

    /// <summary>Adds the next row of the stream and writes its features to <paramref name="output"/>.</summary>
    public void Push(ReadOnlySpan<double> row, Span<double> output)
    {
        if (row.Length != _inputs)
        {
            throw new ArgumentException($"expected {_inputs} columns, got {row.Length}", nameof(row));
        }

        var window = _options.Window;
        var slots = _ring.Length / _inputs;
        var slot = (int)(_seen % slots);
        row.CopyTo(_ring.AsSpan(slot * _inputs, _inputs));
        _seen++;
        var filled = (int)Math.Min(_seen, window);
        for (var j = 0; j < _inputs; j++)
        {
            if (_seasonal[j] is { } history)
            {
                history[(int)((_seen - 1) % history.Length)] = row[j];
            }
        }

        // x(t − w); before w rows have passed, the first row of the stream.
        var back = (int)Math.Min(_seen - 1, window);
        var old = slot - back < 0 ? slot - back + slots : slot - back;
        for (var f = 0; f < _sourceOf.Length; f++)
        {
            var j = _sourceOf[f];
            switch (_kindOf[f])
            {
                case Kind.Value:
                    output[f] = row[j];
                    break;
                case Kind.Mean:
                    output[f] = ColumnMean(j, slot, filled, slots);
                    break;
                case Kind.StdDev:
                    output[f] = StdDev(j, slot, filled, slots, ColumnMean(j, slot, filled, slots));
                    break;
                case Kind.Lag:
                    output[f] = LagValue(f, j, slot, slots, row);
                    break;
                case Kind.Seasonal:
                    // x(t) − x(t − period); before a period has passed, against the first row of the stream.
                    var h = _seasonal[j];
                    var lag = (int)Math.Min(_seen - 1, h.Length - 1);
                    output[f] = row[j] - h[(int)((_seen - 1 - lag) % h.Length)];
                    break;
                default:
                    output[f] = row[j] - _ring[(old * _inputs) + j];
                    break;
            }
        }
    }

    /// <summary>Pushes every row of <paramref name="rows"/> in order and returns their features.</summary>
    public FeatureMatrix Transform(FeatureMatrix rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var result = new FeatureMatrix(rows.Rows, OutputColumns);
        for (var i = 0; i < rows.Rows; i++)
        {
            Push(rows.Row(i), result.Row(i));
        }

        return result;
    }

    /// <summary>x(t − k) of lag feature <paramref name="feature"/> (before k rows have passed, the first row of the stream); a level-free column's relative to x(t − 1).</summary>
    private double LagValue(int feature, int column, int slot, int slots, ReadOnlySpan<double> row)
    {
        var k = Lags!.Steps - 1 - ((feature - Lags.Start) / _inputs);
        var value = k == 0 ? row[column] : Back(k);
        return _levelFree[column] ? value - Back(1) : value;

        double Back(int lag)
        {
            var back = (int)Math.Min(_seen - 1, lag);
            var at = slot - back < 0 ? slot - back + slots : slot - back;
            return _ring[(at * _inputs) + column];
        }
    }

    /// <summary>The column's window mean of this row, summed once per row whether the Mean or the StdDev feature asks first.</summary>
    private double ColumnMean(int column, int slot, int filled, int slots)
    {
        if (_meanOfRow[column] != _seen)
        {
            _means[column] = Mean(column, slot, filled, slots);
            _meanOfRow[column] = _seen;
        }

        return _means[column];
    }

    // Both sum the window newest first, slot, slot − 1, ... wrapping once at the start of the ring: the order the
    // values are added in is part of the result, and the offline and live paths must agree to the last bit.
    private double Mean(int column, int slot, int filled, int slots)
    {
        var ring = _ring;
        var inputs = _inputs;
        var sum = 0.0;
        var s = slot;
        for (var k = 0; k < filled; k++)
        {
            sum += ring[(s * inputs) + column];
            s = s == 0 ? slots - 1 : s - 1;
        }

        return sum / filled;
    }

    private double StdDev(int column, int slot, int filled, int slots, double mean)
    {
        if (filled < 2)
        {
            return 0.0;
        }

        var ring = _ring;
        var inputs = _inputs;
        var sum = 0.0;
        var s = slot;
        for (var k = 0; k < filled; k++)
        {
            var d = ring[(s * inputs) + column] - mean;
            sum += d * d;
            s = s == 0 ? slots - 1 : s - 1;
        }

        return Math.Sqrt(sum / (filled - 1));
    }
}
