namespace TwinGuard.Detection.Baselines;

/// <summary>
/// A streaming baseline of one signal: exponentially weighted mean and variance, scored as a z-score.
/// </summary>
/// <remarks>
/// Scoring and learning are separate steps (<see cref="Score"/>, then <see cref="Learn"/>) so that a caller can refuse
/// to learn from a value it has just flagged: an attacker must not be able to drag the baseline along with the attack.
/// The variance update is the exponentially weighted form of Welford's recurrence (Finch, "Incremental calculation of
/// weighted mean and variance", 2009, §9), which stays stable where the naive E[x²]−E[x]² form cancels.
/// </remarks>
public sealed class EwmaBaseline
{
    private readonly double _alpha;
    private readonly double _minStdDev;
    private double _mean;
    private double _variance;

    /// <summary>Creates a baseline.</summary>
    /// <param name="alpha">Weight of each new value, in (0, 1]; 2/(N+1) approximates an N-sample window.</param>
    /// <param name="warmUp">Values to learn before <see cref="IsWarm"/> becomes true.</param>
    /// <param name="minStdDev">Floor on the standard deviation, so that a quiet signal does not turn noise into alarms.</param>
    public EwmaBaseline(double alpha, int warmUp, double minStdDev)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(alpha);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alpha, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegative(warmUp);
        ArgumentOutOfRangeException.ThrowIfNegative(minStdDev);
        _alpha = alpha;
        WarmUp = warmUp;
        _minStdDev = minStdDev;
    }

    /// <summary>Values to learn before scores mean anything.</summary>
    public int WarmUp { get; }

    /// <summary>Values learned so far.</summary>
    public long Count { get; private set; }

    /// <summary>True once <see cref="WarmUp"/> values have been learned.</summary>
    public bool IsWarm => Count >= WarmUp && Count > 1;

    /// <summary>The weighted mean.</summary>
    public double Mean => _mean;

    /// <summary>The weighted standard deviation, never below the configured floor.</summary>
    public double StdDev => Math.Max(Math.Sqrt(_variance), _minStdDev);

    /// <summary>The z-score of <paramref name="value"/> against what has been learned; 0 while warming up.</summary>
    public double Score(double value) => IsWarm ? (value - _mean) / Math.Max(StdDev, double.Epsilon) : 0.0;

    /// <summary>Learns a value. Non-finite values are ignored: they never reach a baseline.</summary>
    public void Learn(double value)
    {
        if (!double.IsFinite(value))
        {
            return;
        }

        Count++;
        if (Count == 1)
        {
            _mean = value;
            _variance = 0;
            return;
        }

        // During warm-up, weight as a plain running mean so that the first value does not dominate for ~1/alpha samples.
        var alpha = Math.Max(_alpha, 1.0 / Count);
        var delta = value - _mean;
        _mean += alpha * delta;
        _variance = (1 - alpha) * (_variance + alpha * delta * delta);
    }

    /// <summary>What the baseline has learned, to be restored by <see cref="Restore"/> (a twin re-activated elsewhere).</summary>
    public EwmaCheckpoint Checkpoint() => new(Count, _mean, _variance);

    /// <summary>Continues from a <see cref="Checkpoint"/>; non-finite or negative values are refused.</summary>
    public void Restore(EwmaCheckpoint checkpoint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(checkpoint.Count);
        if (!double.IsFinite(checkpoint.Mean) || !double.IsFinite(checkpoint.Variance) || checkpoint.Variance < 0)
        {
            throw new ArgumentException("a baseline checkpoint holds a non-finite mean or an invalid variance", nameof(checkpoint));
        }

        (Count, _mean, _variance) = (checkpoint.Count, checkpoint.Mean, checkpoint.Variance);
    }

    /// <summary>Forgets everything learned.</summary>
    public void Reset()
    {
        Count = 0;
        _mean = 0;
        _variance = 0;
    }
}
