using TwinGuard.Simulator.Running;
using TwinGuard.Simulator.Scoring;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Commands;

/// <summary>The demo's result table, as printed and as written by <c>--summary-json</c>.</summary>
internal sealed record DemoSummary(
    int Seed,
    double DurationSeconds,
    bool Completed,
    IReadOnlyList<DemoAttackResult> Attacks,
    int Detected,
    bool AllDetected,
    int FalseAlarms,
    double NormalOperationSeconds,
    double FalseAlarmsPerHour,
    IReadOnlyDictionary<string, int> FalseAlarmReasons,
    long Messages,
    long ReadingsAccepted,
    long Refusals,
    long Findings,
    long Incidents,
    double ArrivalToFindingP50Ms,
    double ArrivalToFindingP99Ms,
    bool Playbooks,
    int Contained,
    IReadOnlyList<DemoRelease> Releases,
    long CausedByContainment)
{
    public static DemoSummary From(
        DemoOptions options,
        SimulatorRunResult run,
        CampaignScore score,
        IReadOnlyDictionary<Simulator.Attacks.AttackPlan, ResponseObservation?> containments,
        IReadOnlyList<DemoRelease> releases,
        long causedByContainment,
        PipelineMetrics metrics) => new(
        options.Seed,
        run.RunTime.TotalSeconds,
        run.Completed,
        score.Attacks.Select(a => new DemoAttackResult(
            a.Attack.Name,
            a.Attack.Target.ToString(),
            a.Attack.Start.TotalSeconds,
            a.Attack.End.TotalSeconds,
            a.Detected,
            a.TimeToDetect?.TotalSeconds,
            a.FirstObservation?.Reason,
            a.MatchingObservations,
            containments.GetValueOrDefault(a.Attack) is { } c ? (c.Time - (run.StartedAt + a.Attack.Start)).TotalSeconds : null,
            containments.GetValueOrDefault(a.Attack) is { } by ? $"{by.Action} {by.Target}" + (by.Playbook is null ? string.Empty : $" ({by.Playbook})") : null,
            containments.GetValueOrDefault(a.Attack)?.Playbook)).ToList(),
        score.DetectedCount,
        score.AllDetected,
        score.FalseAlarms.Count,
        score.NormalOperation.TotalSeconds,
        score.FalseAlarmsPerHour,
        score.FalseAlarms.GroupBy(o => o.Reason).ToDictionary(g => g.Key, g => g.Count()),
        metrics.Messages,
        metrics.ReadingsAccepted,
        metrics.Refusals,
        metrics.Findings,
        metrics.Incidents,
        metrics.ArrivalToFinding.Percentile(0.5).TotalMilliseconds,
        metrics.ArrivalToFinding.Percentile(0.99).TotalMilliseconds,
        options.Response.Playbooks.Count > 0,
        score.Attacks.Count(a => containments.GetValueOrDefault(a.Attack) is not null),
        releases,
        causedByContainment);
}
