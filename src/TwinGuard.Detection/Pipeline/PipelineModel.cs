using TwinGuard.Detection.Thresholds;

namespace TwinGuard.Detection.Pipeline;

/// <summary>What a fit produces: a detector over the derived features and the threshold calibrated on its training scores.</summary>
/// <param name="Detector">The fitted detector.</param>
/// <param name="Threshold">The threshold calibrated on the detector's scores of its own training rows.</param>
public sealed record PipelineModel(IAnomalyDetector Detector, ScoreThreshold Threshold)
{
    /// <summary>The fraction of <paramref name="featureRows"/> this model scores above its threshold.</summary>
    public double RejectionRate(FeatureMatrix featureRows)
    {
        ArgumentNullException.ThrowIfNull(featureRows);
        if (featureRows.Rows == 0)
        {
            return 0;
        }

        var scores = new double[featureRows.Rows];
        Detector.Score(featureRows, scores);
        var rejected = 0;
        foreach (var score in scores)
        {
            rejected += Threshold.IsAnomaly(score) ? 1 : 0;
        }

        return (double)rejected / scores.Length;
    }
}
