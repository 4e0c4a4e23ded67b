namespace TwinGuard.Server.Api;

/// <summary>An analyst's verdict.</summary>
/// <param name="Verdict"><c>false_positive</c> or <c>confirmed_attack</c>.</param>
/// <param name="Comment">Why (required: it is what the Learn stage and the next analyst read).</param>
/// <param name="Suppress">
/// With <c>false_positive</c> on a finding: for how long (e.g. <c>7d</c>, at most 90 days) findings of the same reason on
/// the same asset and signal are suppressed; refused for what may never be suppressed (the gate, relations, intelligence,
/// operating limits, anything critical).
/// </param>
internal sealed record VerdictRequest(string Verdict, string Comment, string? Suppress = null);
