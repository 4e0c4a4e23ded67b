namespace TwinGuard.Twins.Compliance;

/// <summary>One rule of a control and what it found.</summary>
public sealed record EvidenceResult(EvidenceRule Rule, FactResult Result);
