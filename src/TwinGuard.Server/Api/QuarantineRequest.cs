namespace TwinGuard.Server.Api;

/// <summary>A quarantine put in place by hand.</summary>
/// <param name="Kind"><c>source</c>, <c>asset</c>, <c>signal</c>, <c>credentials</c>, <c>read_only</c> or <c>address</c>.</param>
/// <param name="Target">Device id, asset id, <c>asset/signal</c> or address.</param>
/// <param name="Reason">Why (required).</param>
/// <param name="Expires">Lift it automatically after this long, e.g. <c>30m</c>; null: until released.</param>
internal sealed record QuarantineRequest(string Kind, string Target, string Reason, string? Expires);
