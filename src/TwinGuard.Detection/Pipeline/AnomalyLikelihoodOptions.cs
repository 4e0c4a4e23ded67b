namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// How an <see cref="AnomalyLikelihood"/> turns a stream of scores into alarms: the defaults are those of Numenta's
/// anomaly likelihood (Ahmad, Lavin, Purdy and Agha, "Unsupervised real-time anomaly detection for streaming data",
/// Neurocomputing 2017, §4.2, and NAB's <c>anomaly_likelihood.py</c>), not values fitted to a benchmark.
/// </summary>
public sealed record AnomalyLikelihoodOptions
{
    /// <summary>Rows in the short average that is compared with the history (W′ in the paper).</summary>
    /// <value>10.</value>
    public int ShortWindow { get; init; } = 10;

    /// <summary>
    /// Rows of history the normal distribution of short averages follows (W in the paper, 8,640 in NAB: a month of
    /// 5-minute rows); an exponentially weighted mean and variance of that span, so memory does not grow with it.
    /// </summary>
    /// <value>8640.</value>
    public int LongWindow { get; init; } = 8640;

    /// <summary>
    /// The tail probability at or below which a short average raises an alarm (1 − ε in the paper's "likelihood ≥
    /// 1 − ε"; NAB's red zone is 1e-5).
    /// </summary>
    /// <value>1e-5.</value>
    public double TailProbability { get; init; } = 1e-5;

    /// <summary>
    /// The tail probability at or above which an improbable run ends, so that the next improbable row is a new onset:
    /// 0.5 is the short average back at the history's mean or below, the stream back to its usual level. A deadband,
    /// as alarm management prescribes against chattering alarms (ANSI/ISA-18.2, EEMUA 191): without it a
    /// score hovering at the red zone's edge raises an onset at each crossing. Must be above <see cref="TailProbability"/>.
    /// </summary>
    /// <value>0.5.</value>
    public double ClearTailProbability { get; init; } = 0.5;

    /// <summary>Short averages learned before any alarm (a distribution needs some history).</summary>
    /// <value>100 (NAB's estimation samples).</value>
    public int MinHistory { get; init; } = 100;

    /// <summary>Floor on the history's mean score (NAB's lower-bound check: scores are in [0, 1]).</summary>
    /// <value>0.03.</value>
    public double MinMean { get; init; } = 0.03;

    /// <summary>Floor on the history's variance, so that a quiet stream does not turn noise into alarms.</summary>
    /// <value>0.0003.</value>
    public double MinVariance { get; init; } = 0.0003;
}
