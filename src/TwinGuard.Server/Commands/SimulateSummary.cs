namespace TwinGuard.Server.Commands;

/// <summary>The whole of a <c>twinguard simulate</c> invocation: every run, and the figures the goals ask for.</summary>
/// <param name="Runs">Every run, in the order they ran.</param>
/// <param name="Scenarios">Per scenario and intensity, with relations: detected in how many runs, median times.</param>
/// <param name="WithoutRelations">The within-range scenarios run again without relations (with <c>--compare</c>).</param>
/// <param name="Detected">Scenario runs with relations that were detected.</param>
/// <param name="Total">Scenario runs with relations.</param>
/// <param name="FalseAlarms">False alarms over every normal part (of the runs with relations, when there are any).</param>
/// <param name="NormalSeconds">Simulated seconds of normal operation over all runs.</param>
/// <param name="FalseAlarmsPerDay">False alarms per simulated day of normal operation.</param>
/// <param name="PaceTimeouts">
/// Ticks, over every run, on which simulated time moved on before the pipeline had taken the tick in: 0 when the
/// figures are sound (see <see cref="SimulatePace"/>).
/// </param>
internal sealed record SimulateSummary(
    IReadOnlyList<SimulateScenarioResult> Runs,
    IReadOnlyList<SimulateScenarioSummary> Scenarios,
    IReadOnlyList<SimulateScenarioSummary> WithoutRelations,
    int Detected,
    int Total,
    int FalseAlarms,
    double NormalSeconds,
    double FalseAlarmsPerDay,
    long PaceTimeouts)
{
    public static SimulateSummary From(IReadOnlyList<SimulateScenarioResult> runs)
    {
        var attacks = runs.Where(r => !r.NormalOnly).ToList();
        // The headline false-alarm rate is the pipeline's as configured: runs with relations when there are any
        // (--compare adds runs without them, which keep their own per-run figures).
        var counted = runs.Any(r => r.Relations) ? runs.Where(r => r.Relations).ToList() : runs.ToList();
        var normal = counted.Sum(r => r.NormalSeconds);
        var falseAlarms = counted.Sum(r => r.FalseAlarms);
        return new SimulateSummary(
            runs,
            Group(attacks.Where(r => r.Relations)),
            Group(attacks.Where(r => !r.Relations)),
            attacks.Count(r => r.Relations && r.Detected),
            attacks.Count(r => r.Relations),
            falseAlarms,
            normal,
            normal > 0 ? falseAlarms / (normal / 86400) : 0,
            runs.Sum(r => r.PaceTimeouts));
    }

    private static List<SimulateScenarioSummary> Group(IEnumerable<SimulateScenarioResult> runs) =>
        runs.GroupBy(r => (r.Scenario, r.Intensity))
            .Select(g => new SimulateScenarioSummary(
                g.Key.Scenario,
                g.First().Kind,
                g.Key.Intensity,
                g.First().WithinRange,
                g.Count(r => r.Detected),
                g.Count(),
                Median(g.Select(r => r.TimeToDetectSeconds)),
                Median(g.Select(r => r.TimeToContainSeconds)),
                g.SelectMany(r => r.DetectedBy).Distinct().Order(StringComparer.Ordinal).ToArray()))
            .ToList();

    private static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v.HasValue).Select(v => v!.Value).Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
