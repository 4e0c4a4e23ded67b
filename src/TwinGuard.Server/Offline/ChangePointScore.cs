namespace TwinGuard.Server.Offline;

/// <summary>The NAB-style change-point scores of one detector over the SKAB files.</summary>
/// <param name="Standard">Score with the standard profile (100 = perfect, 0 = no detections).</param>
/// <param name="LowFalsePositives">Score with the low-FP profile.</param>
/// <param name="LowFalseNegatives">Score with the low-FN profile.</param>
/// <param name="Missed">Windows without a detection.</param>
/// <param name="FalseAlarms">Detections outside every window.</param>
/// <param name="Windows">Number of scoring windows (true change points).</param>
internal sealed record ChangePointScore(
    double Standard, double LowFalsePositives, double LowFalseNegatives, int Missed, int FalseAlarms, int Windows);
