namespace TwinGuard.Simulator.Scenarios;

/// <summary>One red-team scenario: a run of the simulated plant with one attack and its ground truth.</summary>
/// <param name="Id">The scenario's name (<c>twinguard simulate --scenario NAME</c>).</param>
/// <param name="Description">One line on what the attacker does and why the plant should notice.</param>
/// <param name="Source">Where it was loaded from (a file, or <c>embedded:NAME.yaml</c>).</param>
/// <param name="Duration">How long the run lasts, in simulated time.</param>
/// <param name="Steady">True to hold the plant at one operating point (no set-point changes or conveyor stops).</param>
/// <param name="Attack">The attack and its ground truth.</param>
/// <param name="Expect">What must be detected, and by what.</param>
public sealed record Scenario(
    string Id,
    string Description,
    string Source,
    TimeSpan Duration,
    bool Steady,
    ScenarioAttack Attack,
    ScenarioExpectation Expect)
{
    /// <summary>This scenario at another intensity.</summary>
    public Scenario AtIntensity(double intensity) =>
        intensity > 0 && double.IsFinite(intensity)
            ? this with { Attack = Attack with { Intensity = intensity } }
            : throw new ArgumentOutOfRangeException(nameof(intensity), intensity, "an intensity is a finite number greater than 0");
}
