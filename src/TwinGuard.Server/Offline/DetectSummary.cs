namespace TwinGuard.Server.Offline;

/// <summary>What <see cref="OfflineDetection"/> did.</summary>
/// <param name="Rows">Rows written.</param>
/// <param name="Anomalies">Rows flagged.</param>
/// <param name="TrainingRows">Rows the model was (first) fitted on.</param>
/// <param name="Threshold">The calibrated threshold, and how.</param>
internal sealed record DetectSummary(int Rows, int Anomalies, int TrainingRows, string Threshold);
