namespace TwinGuard.Twins.Respond;

/// <summary>One containment as stored: what, since when, by whom and why, and how it ended.</summary>
/// <param name="Id">Store id; what <c>twinguard quarantine release</c> takes.</param>
/// <param name="Kind">What is held.</param>
/// <param name="Target">Device id, asset id, <c>asset/signal</c> or address.</param>
/// <param name="IncidentId">The incident that caused it, when a playbook did.</param>
/// <param name="Since">When it was put in place.</param>
/// <param name="By">Who put it in place: <c>playbook:ID</c> or an operator.</param>
/// <param name="Reason">Why.</param>
/// <param name="Expires">When it lifts by itself, if ever.</param>
/// <param name="Released">When a release was asked for (operator or expiry), if it was.</param>
/// <param name="ReleasedBy">Who released it.</param>
/// <param name="ReleaseReason">Why it was released.</param>
/// <param name="Lifted">When serve actually lifted the enforcement.</param>
public sealed record QuarantineEntry(
    long Id,
    QuarantineKind Kind,
    string Target,
    long? IncidentId,
    DateTimeOffset Since,
    string By,
    string Reason,
    DateTimeOffset? Expires,
    DateTimeOffset? Released,
    string? ReleasedBy,
    string? ReleaseReason,
    DateTimeOffset? Lifted)
{
    /// <summary>True while it holds (no release asked for).</summary>
    public bool IsActive => Released is null;
}
