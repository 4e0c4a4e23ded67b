using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Gate;

/// <summary>One value of a payload that was refused while the rest of the payload was kept.</summary>
public sealed record RejectedValue(string SignalId, ReasonCode Reason, string Detail);
