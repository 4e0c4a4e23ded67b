namespace TwinGuard.Server.Offline;

/// <summary>Where one SKAB file's errors lie: its confusion matrix, and its false positives split around the labelled anomaly.</summary>
/// <param name="Name">The experiment, e.g. <c>valve1/2</c>.</param>
/// <param name="Points">The file's point-wise confusion matrix over its test rows.</param>
/// <param name="AnomalyRows">Labelled anomalous test rows.</param>
/// <param name="FalsePositivesBefore">Flagged normal rows before the first anomalous test row.</param>
/// <param name="FalsePositivesAfter">Flagged normal rows after the last anomalous test row (the process after the anomaly).</param>
/// <param name="FirstFlagDelay">
/// Rows from the first anomalous test row to the first flagged anomalous row; null when no anomalous row is flagged
/// (the anomaly is missed altogether).
/// </param>
/// <remarks>
/// A flag that outlives the anomaly and one raised in normal operation before it are both false positives to the
/// leaderboard, but they are different failures: the first is a process that does not return to its trained state (or
/// a label that ends before the process does), the second a false alarm in normal operation. `evaluate skab --per-file`
/// prints this table so that a change to the detector is judged by where it moves the errors, not by the sum alone.
/// </remarks>
internal sealed record SkabFileResult(
    string Name, PointMetrics Points, long AnomalyRows, long FalsePositivesBefore, long FalsePositivesAfter, int? FirstFlagDelay)
{
    /// <summary>Whether any labelled anomalous row is flagged.</summary>
    public bool Detected => FirstFlagDelay is not null;

    /// <summary>Counts <paramref name="predicted"/> against <paramref name="truth"/> (1 = anomalous) over one file's test rows.</summary>
    public static SkabFileResult From(string name, ReadOnlySpan<int> truth, ReadOnlySpan<bool> predicted)
    {
        if (truth.Length != predicted.Length)
        {
            throw new ArgumentException($"{name}: {truth.Length} labels but {predicted.Length} predictions");
        }

        var first = truth.IndexOfAnyExcept(0);
        var last = truth.LastIndexOfAnyExcept(0);
        long before = 0, after = 0, anomalous = 0;
        int? delay = null;
        for (var i = 0; i < truth.Length; i++)
        {
            if (truth[i] != 0)
            {
                anomalous++;
                delay ??= predicted[i] ? i - first : null;
            }
            else if (predicted[i] && (first < 0 || i < first))
            {
                before++;
            }
            else if (predicted[i] && i > last)
            {
                after++;
            }
        }

        return new SkabFileResult(name, PointMetrics.Count(truth, predicted), anomalous, before, after, delay);
    }
}
