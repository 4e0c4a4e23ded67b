namespace TwinGuard.Server.Offline;

/// <summary>One detector's result on SKAB.</summary>
/// <param name="Detector">The preset name (with a suffix for non-leaderboard runs).</param>
/// <param name="Points">Point-wise confusion matrix summed over the files.</param>
/// <param name="PlainEdges">Change-point score with predicted change points at the plain prediction edges.</param>
/// <param name="RollingEdges">Change-point score with the edges of the 30-row rolling maximum of the predictions.</param>
/// <param name="AlarmOnsets">
/// Change-point score of the <c>alarm</c> column (onsets judged against the stream itself, causal): not part of the
/// leaderboard's protocol, which reads predictions only; shown so the alarm rule is measured on SKAB as on NAB.
/// </param>
/// <param name="Files">Number of files evaluated.</param>
/// <param name="Seconds">Wall-clock time of the run.</param>
/// <param name="PerFile">Each file's errors (<see cref="SkabFileResult"/>), in the order evaluated.</param>
internal sealed record SkabDetectorResult(
    string Detector, PointMetrics Points, ChangePointScore PlainEdges, ChangePointScore RollingEdges,
    ChangePointScore AlarmOnsets, int Files, double Seconds, IReadOnlyList<SkabFileResult> PerFile);
