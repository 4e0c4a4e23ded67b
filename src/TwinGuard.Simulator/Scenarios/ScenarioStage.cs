namespace TwinGuard.Simulator.Scenarios;

/// <summary>One stage of a multi-stage scenario: an attack and what must detect it.</summary>
/// <param name="Attack">The stage's attack and its ground truth.</param>
/// <param name="Expect">What must detect this stage.</param>
public sealed record ScenarioStage(ScenarioAttack Attack, ScenarioExpectation Expect);
