namespace TwinGuard.Twins.Respond;

/// <summary>The result of putting one action in force, to be recorded afterwards.</summary>
public sealed record Enforcement(string Target, ActionOutcome Outcome, string Detail, TimeSpan Elapsed, IReadOnlyList<(QuarantineKind Kind, string Target)> Holds);
