using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>Which incidents a playbook answers. Every stated criterion must hold; an empty list means any.</summary>
/// <param name="Kind">How the incident was opened.</param>
/// <param name="MinSeverity">Lowest incident severity.</param>
/// <param name="Scopes">Scope kinds: <c>asset</c>, <c>source</c>, <c>site</c>.</param>
/// <param name="Assets">Asset ids.</param>
/// <param name="Tags">Asset tags (any of them).</param>
/// <param name="Devices">Device ids.</param>
/// <param name="Reasons">Finding reasons (the incident has at least one of them).</param>
public sealed record PlaybookTrigger(
    IncidentKind Kind,
    Severity MinSeverity,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Assets,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> Devices,
    IReadOnlyList<ReasonCode> Reasons);
