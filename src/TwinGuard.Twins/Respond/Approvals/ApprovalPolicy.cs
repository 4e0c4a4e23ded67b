namespace TwinGuard.Twins.Respond;

/// <summary>A high-impact action waits for an operator; what happens when nobody decides in time.</summary>
/// <param name="Timeout">How long the action waits for a decision.</param>
/// <param name="ApproveOnTimeout">True: the action runs when the timeout passes (fail-closed plants); false: it is dropped.</param>
public sealed record ApprovalPolicy(TimeSpan Timeout, bool ApproveOnTimeout);
