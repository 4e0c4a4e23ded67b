using TwinGuard.Detection.Features;

namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// A second model whose score is read by the alarm rule only: its own anomaly likelihood raises onsets beside the main
/// detector's, and it never touches <see cref="AnomalyVerdict.IsAnomaly"/>. A state model (PCA) sees where the process
/// is; a forecaster sees when its course breaks, often rows before the state leaves the trained normal.
/// </summary>
/// <remarks>
/// Fitted once, on the first training window (<see cref="AnomalyPipeline.Fit"/>), over features of its own (adapted to
/// the inferred column behaviour as the main features are); refits of the main model keep it, since its likelihood
/// judges its scores against the stream's own history, not against a threshold set at training.
/// </remarks>
public sealed record OnsetCompanion
{
    /// <summary>Creates the (unfitted) companion detector.</summary>
    public required Func<IAnomalyDetector> CreateDetector { get; init; }

    /// <summary>The companion's features (before adaptation to the column behaviour).</summary>
    public required TemporalFeatureOptions Features { get; init; }
}
