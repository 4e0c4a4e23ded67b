using TwinGuard.Simulator.Running;
using TwinGuard.Simulator.Scenarios;

namespace TwinGuard.Simulator.Scoring;

/// <summary>Scores what the pipeline reported during a scenario run against the scenario's ground truth.</summary>
/// <remarks>
/// <para>A finding counts as detecting the attack when its reason is one the scenario lists, it arrives between the
/// attack's start and start + <see cref="ScenarioExpectation.Within"/>, and it names one of the expected assets, or
/// names no asset but the attacked device (a refused connection, a flood).</para>
/// <para>False alarms are findings during the normal part: from the run's start to the attack's start (a normal-only
/// run: the whole run). Refusals of quarantined data are consequences of a response, not alarms, and are left out.
/// Repeats of one alarm (same reason, device, asset and signal) within <see cref="FoldWindow"/> count once, as the
/// record stage folds them.</para>
/// <para>Time to contain runs from the attack's start to the first action that contains (not a notification or a
/// report) and completed.</para>
/// </remarks>
public static class ScenarioScorer
{
    /// <summary>Repeats of one alarm within this window count once.</summary>
    public static readonly TimeSpan FoldWindow = TimeSpan.FromSeconds(10);

    /// <summary>Scores a run.</summary>
    /// <param name="run">The run and its ground truth.</param>
    /// <param name="observations">What the pipeline reported, in any order.</param>
    /// <param name="actions">What the response took, in any order.</param>
    /// <param name="normalOnly">True when the whole run is normal operation (no attack was played).</param>
    /// <param name="incidents">The incidents the pipeline opened, for each stage's incident and campaign; none when null.</param>
    /// <remarks>A multi-stage scenario is detected when every stage is.</remarks>
    public static ScenarioScore Score(
        ScenarioRunResult run, IEnumerable<Observation> observations, IEnumerable<ResponseObservation> actions, bool normalOnly = false,
        IEnumerable<IncidentObservation>? incidents = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(actions);
        var scenario = run.Scenario;
        var ordered = observations.OrderBy(o => o.Time).ToList();
        var (attackStart, attackEnd) = run.AttackWindow;
        var normalEnd = normalOnly ? run.EndedAt : attackStart;

        var falseAlarms = Fold(ordered.Where(o => o.Time >= run.StartedAt && o.Time < normalEnd && o.Reason != "quarantined"));
        var reasons = falseAlarms.GroupBy(o => o.Reason).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var normalTime = normalEnd - run.StartedAt;
        if (normalOnly)
        {
            return new ScenarioScore(false, null, null, [], [], null, null, falseAlarms.Count, reasons, normalTime);
        }

        var expect = scenario.Expect;
        var deadline = attackStart + expect.Within;
        var onTarget = ordered.Where(o => o.Time >= attackStart && o.Time <= Max(deadline, attackEnd) && IsOnTarget(scenario, o)).ToList();
        var counting = onTarget.Where(o => o.Time <= deadline && expect.Reasons.Contains(o.Reason)).ToList();
        var first = counting.FirstOrDefault();
        var contained = actions.Where(a => a.Time >= attackStart && a.Contains).OrderBy(a => a.Time).FirstOrDefault();
        var stages = scenario.Stages.Select(s => ScoreStage(run, s, ordered, incidents?.OrderBy(i => i.Time).ToList() ?? [])).ToList();
        return new ScenarioScore(
            stages.All(s => s.Detected),
            first is null ? null : first.Time - attackStart,
            first?.Reason,
            counting.Select(o => o.Reason).Distinct().Order(StringComparer.Ordinal).ToArray(),
            onTarget.Select(o => o.Reason).Where(r => !expect.Reasons.Contains(r)).Distinct().Order(StringComparer.Ordinal).ToArray(),
            contained is null ? null : contained.Time - attackStart,
            contained is null ? null : $"{contained.Action} {contained.Target}" + (contained.Playbook is null ? string.Empty : $" ({contained.Playbook})"),
            falseAlarms.Count,
            reasons,
            normalTime)
        {
            Stages = stages,
        };
    }

    /// <summary>
    /// One stage: its first finding as for a scenario of one attack, and the first incident opened between its start and
    /// start + within over one of its reasons on its target.
    /// </summary>
    private static StageScore ScoreStage(ScenarioRunResult run, ScenarioStage stage, List<Observation> ordered, List<IncidentObservation> incidents)
    {
        var (start, expect) = (run.StartedAt + stage.Attack.Start, stage.Expect);
        var deadline = start + expect.Within;
        var first = ordered.FirstOrDefault(o => o.Time >= start && o.Time <= deadline && expect.Reasons.Contains(o.Reason) && IsOnTarget(stage, o));
        var incident = incidents.FirstOrDefault(i => i.Time >= start && i.Time <= deadline && i.Reasons.Any(expect.Reasons.Contains)
            && ((i.AssetId is { } asset && expect.AssetIds.Contains(asset)) || i.DeviceId == stage.Attack.DeviceId));
        return new StageScore(
            ScenarioLoader.NameOf(stage.Attack.Kind),
            stage.Attack.Start.TotalSeconds,
            first is not null,
            first is null ? null : (first.Time - start).TotalSeconds,
            first?.Reason,
            incident?.Id,
            incident?.Campaign,
            incident?.Techniques ?? []);
    }

    /// <summary>Whether a finding points at the scenario's target (see the class remarks).</summary>
    public static bool IsOnTarget(Scenario scenario, Observation observation)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(observation);
        return IsOnTarget(scenario.Stages[0], observation);
    }

    private static bool IsOnTarget(ScenarioStage stage, Observation observation) =>
        observation.AssetId is { } asset
            ? stage.Expect.AssetIds.Contains(asset)
            : observation.DeviceId == stage.Attack.DeviceId;

    private static List<Observation> Fold(IEnumerable<Observation> observations)
    {
        var last = new Dictionary<(string, string?, string?, string?), DateTimeOffset>();
        var kept = new List<Observation>();
        foreach (var o in observations)
        {
            var key = (o.Reason, o.DeviceId, o.AssetId, o.SignalId);
            if (last.TryGetValue(key, out var previous) && o.Time - previous < FoldWindow)
            {
                last[key] = o.Time;
                continue;
            }

            last[key] = o.Time;
            kept.Add(o);
        }

        return kept;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
