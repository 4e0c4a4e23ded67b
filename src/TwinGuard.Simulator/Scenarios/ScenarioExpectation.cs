namespace TwinGuard.Simulator.Scenarios;

/// <summary>What must be detected, and which detections count.</summary>
/// <param name="Reasons">Reason codes (snake_case, e.g. <c>relation_violated</c>) of the findings that count as detecting it.</param>
/// <param name="AssetIds">Findings on these assets count; the attacked asset when the file names none.</param>
/// <param name="Within">A detection later than this after the attack's start does not count.</param>
/// <param name="WithinRange">
/// True when every attacked value stays inside its range and rate limit: range and rate checks are blind to it by
/// construction, and the scenario is run again without relations to show what the detectors alone catch.
/// </param>
/// <param name="Contain">True when a playbook must act (time to contain is reported either way).</param>
public sealed record ScenarioExpectation(
    IReadOnlyList<string> Reasons,
    IReadOnlyList<string> AssetIds,
    TimeSpan Within,
    bool WithinRange,
    bool Contain);
