namespace TwinGuard.Server.Commands;

/// <summary>One row of the demo's table.</summary>
internal sealed record DemoAttackResult(
    string Name,
    string Target,
    double StartSeconds,
    double EndSeconds,
    bool Detected,
    double? TimeToDetectSeconds,
    string? FirstReason,
    int MatchingFindings,
    double? TimeToContainSeconds,
    string? ContainedBy,
    string? ContainedByPlaybook);
