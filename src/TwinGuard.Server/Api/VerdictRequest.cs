namespace TwinGuard.Server.Api;

/// <summary>An analyst's verdict.</summary>
/// <param name="Verdict"><c>false_positive</c> or <c>confirmed_attack</c>.</param>
/// <param name="Comment">Why (required: it is what the Learn stage and the next analyst read).</param>
internal sealed record VerdictRequest(string Verdict, string Comment);
