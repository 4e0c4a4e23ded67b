using TwinGuard.Simulator.Scenarios;

namespace TwinGuard.Server.Commands;

/// <summary>Which runs one <c>twinguard simulate</c> invocation makes.</summary>
/// <param name="Scenarios">The scenarios.</param>
/// <param name="Runs">Runs per scenario and intensity (seeds seed, seed+1, ...).</param>
/// <param name="Intensity">One intensity for every scenario, or null for each file's default.</param>
/// <param name="Sweep">Run every intensity each file lists.</param>
/// <param name="NormalOnly">When set, one normal-only run of this length instead of the scenarios.</param>
/// <param name="Relations">Evaluate the plant model's relations.</param>
/// <param name="Compare">Also run within-range scenarios without relations.</param>
internal sealed record SimulatePlan(
    IReadOnlyList<Scenario> Scenarios,
    int Runs = 1,
    double? Intensity = null,
    bool Sweep = false,
    TimeSpan? NormalOnly = null,
    bool Relations = true,
    bool Compare = false);
