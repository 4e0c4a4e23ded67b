namespace TwinGuard.Simulator.Scenarios;

/// <summary>One red-team scenario: a run of the simulated plant with one attack (or several stages) and its ground truth.</summary>
/// <param name="Id">The scenario's name (<c>twinguard simulate --scenario NAME</c>).</param>
/// <param name="Description">One line on what the attacker does and why the plant should notice.</param>
/// <param name="Source">Where it was loaded from (a file, or <c>embedded:NAME.yaml</c>).</param>
/// <param name="Duration">How long the run lasts, in simulated time.</param>
/// <param name="Steady">True to hold the plant at one operating point (no set-point changes or conveyor stops).</param>
/// <param name="Attack">The attack (the first stage's) and its ground truth.</param>
/// <param name="Expect">What must be detected, and by what (of the first stage).</param>
public sealed record Scenario(
    string Id,
    string Description,
    string Source,
    TimeSpan Duration,
    bool Steady,
    ScenarioAttack Attack,
    ScenarioExpectation Expect)
{
    /// <summary>
    /// The stages after the first of a multi-stage scenario (<c>stages:</c> in the file), in order; empty for a
    /// scenario of one attack. The first stage is <see cref="Attack"/> with <see cref="Expect"/>.
    /// </summary>
    public IReadOnlyList<ScenarioStage> LaterStages { get; init; } = [];

    /// <summary>Every stage in order: <see cref="Attack"/> first, then <see cref="LaterStages"/>.</summary>
    public IReadOnlyList<ScenarioStage> Stages => [new ScenarioStage(Attack, Expect), .. LaterStages];

    /// <summary>This scenario at another intensity (every stage of it).</summary>
    public Scenario AtIntensity(double intensity) =>
        intensity > 0 && double.IsFinite(intensity)
            ? this with
            {
                Attack = Attack with { Intensity = intensity },
                LaterStages = LaterStages.Select(s => s with { Attack = s.Attack with { Intensity = intensity } }).ToArray(),
            }
            : throw new ArgumentOutOfRangeException(nameof(intensity), intensity, "an intensity is a finite number greater than 0");
}
