namespace TwinGuard.Server.Api;

/// <summary>An operator's decision (approve, deny, release): the reason is recorded with the key's name.</summary>
/// <param name="Reason">Why (required).</param>
internal sealed record DecisionRequest(string Reason);
