using TwinGuard.Detection.Features;
using TwinGuard.Detection.Profiling;

namespace TwinGuard.Detection.Pipeline;

/// <summary>Everything an <see cref="AnomalyPipeline"/> is made of: features, detector, threshold, smoothing.</summary>
public sealed record AnomalyPipelineOptions
{
    /// <summary>Creates the (unfitted) detector; called again for every refit.</summary>
    public required Func<IAnomalyDetector> CreateDetector { get; init; }

    /// <summary>Features over time derived from the input columns.</summary>
    public TemporalFeatureOptions Features { get; init; } = new();

    /// <summary>Threshold calibration.</summary>
    public ThresholdOptions Threshold { get; init; } = new();

    /// <summary>
    /// Majority vote over the last N threshold decisions: a row is anomalous when more than half of the last N rows
    /// crossed the threshold. 1 disables smoothing.
    /// </summary>
    /// <value>1.</value>
    public int SmoothingWindow { get; init; } = 1;

    /// <summary>
    /// Ends a flagged episode once the smoothed score has fallen far below the episode's peak and is back near the
    /// threshold: the process settled close to, not at, its trained state (<see cref="Pipeline.EpisodeEnd"/>). Null
    /// keeps every row above the threshold flagged.
    /// </summary>
    /// <value>null.</value>
    public EpisodeEndOptions? EpisodeEnd { get; init; }

    /// <summary>
    /// Infers each column's behaviour (drift, period, discrete, constant) from the training window and adapts the
    /// temporal features to it: drifting columns become level-free, periodic ones gain a seasonal difference. Null
    /// uses <see cref="Features"/> as given. Ignored when the features are the raw values (window 1).
    /// </summary>
    public ColumnProfilerOptions? Profiling { get; init; }

    /// <summary>
    /// An alarm is raised on the first row of an anomalous episode (flagged after smoothing) unless another alarm was
    /// raised within this many rows before it: one alarm per incident, not one per flicker of the flag.
    /// </summary>
    /// <value>0.</value>
    public int RefractoryRows { get; init; }

    /// <summary>
    /// When set, alarms mark the onsets that <see cref="AnomalyLikelihood"/> finds in the stream of scores (a sudden
    /// change of the score relative to the stream's own history) instead of the starts of flagged episodes; the
    /// refractory period still applies. An alarm can therefore come a few rows before the smoothed flag, or without
    /// one (a change the trained model still calls normal, but that is new for this stream).
    /// <see cref="AnomalyVerdict.IsAnomaly"/> is unchanged: it compares each row with the trained normal only.
    /// </summary>
    /// <value>null: an alarm on the first row of each flagged episode.</value>
    public AnomalyLikelihoodOptions? Likelihood { get; init; }

    /// <summary>
    /// With <see cref="Likelihood"/>: a value beyond the range of its column seen so far by more than this fraction of
    /// the range raises an alarm (<see cref="RangeWatch"/>), once <see cref="AnomalyLikelihoodOptions.MinHistory"/>
    /// rows have been seen; null for none.
    /// </summary>
    public double? RangeTolerance { get; init; }

    /// <summary>
    /// With <see cref="Likelihood"/>: a second model whose score has a likelihood of its own; an onset of either raises
    /// an alarm (<see cref="OnsetCompanion"/>). Null for none.
    /// </summary>
    public OnsetCompanion? Companion { get; init; }
}
