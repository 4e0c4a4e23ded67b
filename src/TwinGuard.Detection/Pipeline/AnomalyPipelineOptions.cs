using TwinGuard.Detection.Features;

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
}
