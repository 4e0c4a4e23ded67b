namespace TwinGuard.Server.Offline;

/// <summary>Point-wise outlier-detection counts and the SKAB leaderboard's rates.</summary>
/// <remarks>
/// SKAB (waico/SKAB README, "outlier detection"): F1 = TP / (TP + (FN + FP) / 2), FAR = FP / (FP + TN) × 100 %,
/// MAR = FN / (FN + TP) × 100 %, over the confusion matrix summed across files.
/// </remarks>
internal sealed record PointMetrics(long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives)
{
    public double F1 => TruePositives / (TruePositives + ((FalseNegatives + FalsePositives) / 2.0));

    public double FalseAlarmRate => 100.0 * FalsePositives / Math.Max(1, FalsePositives + TrueNegatives);

    public double MissedAlarmRate => 100.0 * FalseNegatives / Math.Max(1, FalseNegatives + TruePositives);

    public static PointMetrics Zero { get; } = new(0, 0, 0, 0);

    public static PointMetrics Count(ReadOnlySpan<int> truth, ReadOnlySpan<bool> predicted)
    {
        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            switch (truth[i] != 0, predicted[i])
            {
                case (true, true): tp++; break;
                case (false, true): fp++; break;
                case (true, false): fn++; break;
                default: tn++; break;
            }
        }

        return new PointMetrics(tp, fp, fn, tn);
    }

    public PointMetrics Add(PointMetrics other) => new(
        TruePositives + other.TruePositives,
        FalsePositives + other.FalsePositives,
        FalseNegatives + other.FalseNegatives,
        TrueNegatives + other.TrueNegatives);
}
