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
    double ArrivalToFindingP99Ms)
{
    public static DemoSummary From(DemoOptions options, SimulatorRunResult run, CampaignScore score, PipelineMetrics metrics) => new(
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
            a.MatchingObservations)).ToList(),
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
        metrics.ArrivalToFinding.Percentile(0.99).TotalMilliseconds);
}
