namespace TwinGuard.Server.Api;

/// <summary>A finding drawn on a signal's chart.</summary>
/// <param name="FindingId">The stored finding.</param>
/// <param name="Time">When, Unix seconds (fractional).</param>
/// <param name="Reason">Why (snake_case reason code).</param>
/// <param name="Severity">How urgent.</param>
/// <param name="Value">The offending value, when there is one.</param>
internal sealed record AnomalyMark(long FindingId, double Time, string Reason, string Severity, double? Value);
