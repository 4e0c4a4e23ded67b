namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// The anomaly likelihood of Ahmad et al. (Neurocomputing 2017, §4.2): how improbable the average of the last few
/// scores is under the normal distribution that the stream's own recent averages follow. A detector's raw score says
/// how unlike the trained normal a row is; this says whether that is new for this stream, so a series that drifts, or
/// whose scores are noisy by nature, does not keep alarming, while a sudden change of its score does.
/// </summary>
/// <remarks>
/// Causal: row t is judged against the averages of the rows before it, then learned (anomalous rows are learned too,
/// as in the paper: a lasting change becomes the new normal after about <see cref="AnomalyLikelihoodOptions.LongWindow"/>
/// rows). The history is an exponentially weighted mean and variance (Finch 2009, §9) whose weight starts at 1/n and
/// settles at 2/(W + 1), so memory is the short window alone. Red-zone filtering: only the first row of a run of
/// improbable rows counts (NAB's <c>_filterLikelihoods</c>), so the result is an onset; the run ends only when the
/// short average is back at the history's mean or below (<see cref="AnomalyLikelihoodOptions.ClearTailProbability"/>),
/// a deadband against chattering: a score that hovers at the edge of the red zone is one event, not many.
/// <see cref="CalibrateOnNormalRows"/> tightens the tail probability by the onsets raised on rows known to be normal.
/// </remarks>
public sealed class AnomalyLikelihood
{
    private readonly AnomalyLikelihoodOptions _options;
    private readonly double[] _recent;
    private readonly double _alpha;
    private int _cursor;
    private int _filled;
    private double _sum;
    private long _learned;
    private double _mean;
    private double _variance;
    private bool _inRun;
    private double _tailProbability;

    /// <summary>Creates an empty history.</summary>
    public AnomalyLikelihood(AnomalyLikelihoodOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ShortWindow);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LongWindow, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.TailProbability);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(options.TailProbability, 0.5);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ClearTailProbability, options.TailProbability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ClearTailProbability, 1.0);
        _options = options;
        _recent = new double[options.ShortWindow];
        _alpha = 2.0 / (options.LongWindow + 1);
        _tailProbability = options.TailProbability;
    }

    /// <summary>
    /// The tail probability in use: <see cref="AnomalyLikelihoodOptions.TailProbability"/>, divided by 1 + the onsets
    /// counted when <see cref="CalibrateOnNormalRows"/> was called.
    /// </summary>
    public double TailProbability => _tailProbability;

    /// <summary>Onsets raised since the history began (or was last <see cref="Reset"/>).</summary>
    public long Onsets { get; private set; }

    /// <summary>
    /// Declares that every row seen so far was normal operation (a training window), so every onset raised on them
    /// was a false one: the tail probability becomes <see cref="AnomalyLikelihoodOptions.TailProbability"/> / (1 +
    /// <see cref="Onsets"/>). A stream whose normal scores already broke the normal distribution's tail must be more
    /// improbable before it is believed; one that raised none keeps the given tail probability. The calibration
    /// outlives <see cref="Reset"/> (it describes the stream's source, not its history).
    /// </summary>
    public void CalibrateOnNormalRows() => _tailProbability = _options.TailProbability / (1 + Onsets);

    /// <summary>The tail probability of the last short average under the history (1 while there is too little history).</summary>
    public double LastTailProbability { get; private set; } = 1.0;

    /// <summary>
    /// Takes the next score (in [0, 1]) and says whether the stream just entered an improbable run: the short average
    /// has a tail probability of at most <see cref="TailProbability"/> and no run is open (the last one ended when the
    /// short average fell back to the history's mean).
    /// </summary>
    public bool Next(double score)
    {
        if (!double.IsFinite(score))
        {
            return false;
        }

        _sum += score - (_filled == _recent.Length ? _recent[_cursor] : 0);
        _recent[_cursor] = score;
        _cursor = (_cursor + 1) % _recent.Length;
        _filled = Math.Min(_filled + 1, _recent.Length);
        var average = _sum / _filled;

        var onset = false;
        if (_learned >= _options.MinHistory)
        {
            var mean = Math.Max(_mean, _options.MinMean);
            var deviation = Math.Sqrt(Math.Max(_variance, _options.MinVariance));
            LastTailProbability = UpperTail((average - mean) / deviation);
            if (!_inRun && LastTailProbability <= _tailProbability)
            {
                (onset, _inRun) = (true, true);
                Onsets++;
            }
            else if (_inRun && LastTailProbability >= _options.ClearTailProbability)
            {
                _inRun = false;
            }
        }

        Learn(average);
        return onset;
    }

    /// <summary>Forgets the history.</summary>
    public void Reset()
    {
        Array.Clear(_recent);
        (_cursor, _filled, _sum, _learned, _mean, _variance, _inRun) = (0, 0, 0, 0, 0, 0, false);
        Onsets = 0;
        LastTailProbability = 1.0;
    }

    private void Learn(double average)
    {
        _learned++;
        var weight = Math.Max(1.0 / _learned, _alpha);
        var delta = average - _mean;
        _mean += weight * delta;
        _variance = (1 - weight) * (_variance + weight * delta * delta);
    }

    /// <summary>P(Z ≥ z) for a standard normal Z: ½ erfc(z/√2), erfc by Numerical Recipes' Chebyshev fit (relative error below 1.2e-7).</summary>
    internal static double UpperTail(double z)
    {
        var x = z / Math.Sqrt(2);
        var t = 1.0 / (1.0 + 0.5 * Math.Abs(x));
        var erfc = t * Math.Exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return 0.5 * (x >= 0 ? erfc : 2 - erfc);
    }
}
