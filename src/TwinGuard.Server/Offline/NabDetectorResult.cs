namespace TwinGuard.Server.Offline;

/// <summary>One detector's result on a NAB corpus.</summary>
/// <param name="Detector">The preset name, with the rule that turned its output into alarms.</param>
/// <param name="Standard">Normalised score, standard profile.</param>
/// <param name="LowFalsePositives">Normalised score, reward low FP.</param>
/// <param name="LowFalseNegatives">Normalised score, reward low FN.</param>
/// <param name="Windows">Windows scored.</param>
/// <param name="Detected">Windows with an alarm.</param>
/// <param name="FalseAlarms">Alarms outside every window after the probation.</param>
/// <param name="Seconds">Wall-clock time of the run.</param>
internal sealed record NabDetectorResult(
    string Detector, double Standard, double LowFalsePositives, double LowFalseNegatives,
    int Windows, int Detected, int FalseAlarms, double Seconds)
{
    /// <summary>The same figures per category and per half of the corpus (<see cref="NabEvaluator.Groups"/>), normalised within each.</summary>
    public IReadOnlyList<NabDetectorResult> Groups { get; init; } = [];
}
