namespace TwinGuard.Server.Offline;

/// <summary>A row of the SKAB leaderboard as published in waico/SKAB's README (values copied, not recomputed).</summary>
internal sealed record SkabPublishedResult(
    string Name, double? F1, double? FalseAlarmRate, double? MissedAlarmRate,
    double? Standard, double? LowFalsePositives, double? LowFalseNegatives, int? Missed, int? FalseAlarms)
{
    /// <summary>Outlier detection and change-point rows of the leaderboard (../shared/datasets/README.md).</summary>
    public static IReadOnlyList<SkabPublishedResult> All { get; } =
    [
        new("Conv-AE", 0.78, 13.55, 28.02, 23.61, 21.54, 27.55, 82, 23),
        new("MSET", 0.78, 39.73, 14.13, null, null, null, null, null),
        new("T-squared+Q (PCA)", 0.76, 26.62, 24.92, 25.35, 14.51, 31.33, 72, 232),
        new("LSTM-AE", 0.74, 29.96, 25.92, 23.51, 20.11, 25.91, 88, 69),
        new("T-squared", 0.66, 19.21, 42.60, null, null, null, null, null),
        new("LSTM-VAE", 0.56, 9.13, 55.03, null, null, null, null, null),
        new("Vanilla LSTM", 0.54, 12.54, 59.53, null, null, null, null, null),
        new("Vanilla AE", 0.39, 2.59, 75.15, null, null, null, null, null),
        new("MSCRED", 0.36, 49.94, 69.88, 32.42, 16.53, 40.28, 55, 342),
        new("Isolation Forest", 0.29, 2.56, 82.89, 26.16, 19.50, 30.82, 76, 135),
    ];
}
