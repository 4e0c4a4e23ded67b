namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// Ends a flagged episode when the process has come most of the way back: the smoothed score fell far below the
/// episode's peak and is back near the threshold. What is left is the process settling at an operating point close
/// to, but not at, the trained one (a valve reopened, a flow a fraction of a unit off), which every model of the
/// training rows calls new, as it called the fault itself; the fault is where the score was far higher.
/// </summary>
/// <remarks>
/// <para>The smoothed score is the median of the last N log-odds over the threshold (N = the pipeline's smoothing
/// window), so it is above 0 where the majority vote flags; an episode's peak is the highest level the median held
/// for N rows in a row (a spike at a fault's onset is no peak). An episode whose peak rose above
/// <see cref="EpisodeEndOptions.PeakMargin"/> ends when the median falls below both peak − margin and
/// <see cref="EpisodeEndOptions.ReleaseMargin"/>: a fault that decays slowly but stays well above the threshold
/// keeps its flag, a step back to the threshold's neighbourhood drops it. After the end the flag stays off until the
/// median climbs back to the episode's level (the fault again) or the stream has been below the threshold for
/// <see cref="EpisodeEndOptions.ReturnRows"/> rows (a new episode is then judged afresh).</para>
/// <para>The price: a second, smaller fault in the settled state, less than the margin below the first one's peak, is
/// not flagged until the stream has returned to normal. Alarms are not touched (they follow the score's likelihood,
/// <see cref="AnomalyLikelihood"/>). The state reads only rows already scored (causal, like the majority vote).</para>
/// </remarks>
public sealed class EpisodeEnd
{
    private readonly EpisodeEndOptions _options;
    private readonly double[] _recent;
    private readonly double[] _sorted;
    private readonly double[] _medians;
    private int _cursor;
    private int _count;
    private double _peak = double.NegativeInfinity;
    private bool _settled;
    private int _belowThreshold;

    /// <summary>Creates the rule over a smoothing window of <paramref name="window"/> rows.</summary>
    public EpisodeEnd(EpisodeEndOptions options, int window)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        ArgumentOutOfRangeException.ThrowIfNegative(options.PeakMargin, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ReturnRows, nameof(options));
        _options = options;
        _recent = new double[window];
        _sorted = new double[window];
        _medians = new double[window];
    }

    /// <summary>Whether an ended episode's flags are being held off.</summary>
    public bool Settled => _settled;

    /// <summary>The median of the window after the last <see cref="Next"/> (for the tests' reference computation).</summary>
    internal double LastMedian { get; private set; }

    /// <summary>The log-odds of a score over the threshold's: above 0 exactly where the raw flag is.</summary>
    public static double LogOddsOver(double score, double threshold) => LogOdds(score) - LogOdds(threshold);

    /// <summary>Takes the next row's log-odds over the threshold and its majority-vote flag; returns the flag to keep.</summary>
    public bool Next(double logOddsOverThreshold, bool smoothed)
    {
        if (_count == _recent.Length)
        {
            RemoveSorted(_recent[_cursor]); // the value that leaves the window
        }

        _recent[_cursor] = logOddsOverThreshold;
        _cursor = (_cursor + 1) % _recent.Length;
        _count = Math.Min(_count + 1, _recent.Length);
        InsertSorted(logOddsOverThreshold);
        var median = Median();
        LastMedian = median;
        _medians[(_cursor + _recent.Length - 1) % _recent.Length] = median;
        if (_settled)
        {
            if (median >= _peak - _options.PeakMargin)
            {
                _settled = false; // the score is back at the episode's level: the fault, not the settled state
                return smoothed;
            }

            _belowThreshold = smoothed ? 0 : _belowThreshold + 1;
            if (_belowThreshold >= _options.ReturnRows)
            {
                _settled = false;
                _peak = double.NegativeInfinity;
            }

            return false;
        }

        if (!smoothed)
        {
            _peak = double.NegativeInfinity;
            return false;
        }

        // The peak is the level held for a whole window (the smallest of the last N medians): a spike at a fault's
        // onset, followed by a fault near the threshold, is not a peak the fault could settle down from.
        _peak = Math.Max(_peak, HeldLevel());
        var end = Math.Min(_peak - _options.PeakMargin, _options.ReleaseMargin);
        if (_peak - _options.PeakMargin > 0 && median < end)
        {
            _settled = true;
            _belowThreshold = 0;
            return false;
        }

        return true;
    }

    /// <summary>Forgets the stream (a new one starts).</summary>
    public void Reset()
    {
        _cursor = 0;
        _count = 0;
        _peak = double.NegativeInfinity;
        _settled = false;
        _belowThreshold = 0;
    }

    private static double LogOdds(double p)
    {
        var q = Math.Clamp(p, 1e-12, 1 - 1e-12);
        return Math.Log(q / (1 - q));
    }

    private double HeldLevel()
    {
        var held = double.PositiveInfinity;
        foreach (var m in _medians.AsSpan(0, _count))
        {
            held = Math.Min(held, m);
        }

        return held;
    }

    // The window kept sorted as it slides (one value out, one in, by binary search and a shift) instead of copied and
    // sorted at every row: the same multiset, so the same median.
    private double Median()
    {
        var values = _sorted.AsSpan(0, _count);
        var half = _count / 2;
        return _count % 2 == 1 ? values[half] : (values[half - 1] + values[half]) / 2;
    }

    private void RemoveSorted(double value)
    {
        var values = _sorted.AsSpan(0, _count);
        var at = values.BinarySearch(value);
        values[(at + 1)..].CopyTo(values[at..]);
    }

    private void InsertSorted(double value)
    {
        // _count already counts the new value: the sorted prefix holds _count − 1 values.
        var values = _sorted.AsSpan(0, _count);
        var at = values[..^1].BinarySearch(value);
        at = at < 0 ? ~at : at;
        values[at..^1].CopyTo(values[(at + 1)..]);
        values[at] = value;
    }
}
