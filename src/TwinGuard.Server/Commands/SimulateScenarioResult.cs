using System.Text.Json.Serialization;
using TwinGuard.Simulator.Running;
using TwinGuard.Simulator.Scenarios;
using TwinGuard.Simulator.Scoring;

namespace TwinGuard.Server.Commands;

/// <summary>One scenario run as <c>twinguard simulate --json</c> reports it (times in seconds of simulated time).</summary>
/// <remarks>
/// <see cref="PaceTimeouts"/> counts ticks on which simulated time moved on before the pipeline had taken the tick in
/// (0 when the run is sound); <see cref="LongestPaceWaitSeconds"/> is the longest real time one tick waited for it.
/// <see cref="DataDirectory"/> is set when the run's data directory was kept (<c>--keep-data</c>).
/// </remarks>
internal sealed record SimulateScenarioResult(
    string Scenario,
    string Kind,
    double Intensity,
    int Seed,
    bool Relations,
    bool NormalOnly,
    bool WithinRange,
    IReadOnlyList<string> Expected,
    bool Detected,
    double? TimeToDetectSeconds,
    string? FirstReason,
    IReadOnlyList<string> DetectedBy,
    IReadOnlyList<string> OtherReasons,
    double? TimeToContainSeconds,
    string? ContainedBy,
    int FalseAlarms,
    IReadOnlyDictionary<string, int> FalseAlarmReasons,
    double NormalSeconds,
    double FalseAlarmsPerDay,
    double SimulatedSeconds,
    double RealSeconds,
    long Messages,
    long AttackMessages,
    long MessagesNotSent,
    long PaceTimeouts,
    double LongestPaceWaitSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DataDirectory)
{
    /// <summary>Every stage (one for a scenario of one attack): its detection, its incident and that incident's campaign and techniques.</summary>
    public IReadOnlyList<StageScore> Stages { get; init; } = [];

    /// <summary>The one campaign holding every stage's incident, or null (see <see cref="ScenarioScore.Campaign"/>).</summary>
    public long? Campaign { get; init; }

    /// <summary>The one incident whose timeline holds every stage, or null (see <see cref="ScenarioScore.Incident"/>).</summary>
    public long? Incident { get; init; }

    /// <summary>Findings held back by <c>--suppress</c>'s suppressions during the run.</summary>
    public long Suppressed { get; init; }

    /// <summary>How many times faster than real time the run went.</summary>
    public double Speedup => RealSeconds > 0 ? SimulatedSeconds / RealSeconds : 0;

    public static SimulateScenarioResult From(ScenarioRunResult run, ScenarioScore score, bool relations, bool normalOnly, SimulatePace pace, int seed, string? dataDirectory)
    {
        var scenario = run.Scenario;
        return new SimulateScenarioResult(
            scenario.Id,
            normalOnly ? "normal" : string.Join("+", scenario.Stages.Select(s => ScenarioLoader.NameOf(s.Attack.Kind))),
            normalOnly ? 0 : scenario.Attack.Intensity,
            seed,
            relations,
            normalOnly,
            !normalOnly && scenario.Expect.WithinRange,
            normalOnly ? [] : scenario.Expect.Reasons,
            score.Detected,
            score.TimeToDetect?.TotalSeconds,
            score.FirstReason,
            score.DetectedBy,
            score.OtherReasons,
            score.TimeToContain?.TotalSeconds,
            score.ContainedBy,
            score.FalseAlarms,
            score.FalseAlarmReasons,
            score.NormalTime.TotalSeconds,
            score.FalseAlarmsPerDay,
            run.SimulatedTime.TotalSeconds,
            run.RealTime.TotalSeconds,
            run.MessagesPublished,
            run.AttackMessagesPublished,
            run.MessagesNotSent,
            pace.Timeouts,
            pace.LongestWait.TotalSeconds,
            dataDirectory)
        {
            Stages = normalOnly ? [] : score.Stages,
            Campaign = normalOnly ? null : score.Campaign,
            Incident = normalOnly ? null : score.Incident,
        };
    }
}
