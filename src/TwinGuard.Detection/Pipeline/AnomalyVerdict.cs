namespace TwinGuard.Detection.Pipeline;

/// <summary>What the pipeline concluded about one row.</summary>
/// <param name="Score">The detector's score in [0, 1]; higher is more anomalous.</param>
/// <param name="IsAnomaly">The decision after threshold and smoothing.</param>
/// <param name="TopColumn">The input column that contributed most to the score.</param>
/// <param name="RawAnomaly">The decision of the threshold alone, before smoothing.</param>
public readonly record struct AnomalyVerdict(double Score, bool IsAnomaly, int TopColumn, bool RawAnomaly)
{
    /// <summary>
    /// True on the row where an anomaly begins (<see cref="AnomalyPipelineOptions.Likelihood"/>: the score stream turns
    /// improbable or a value leaves its range; without it: the first row of a flagged episode), outside the refractory
    /// period of the previous alarm.
    /// </summary>
    public bool Alarm { get; init; }
}
