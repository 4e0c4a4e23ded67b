using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>A finding as stored, with its id, how often it recurred and the incident it belongs to.</summary>
public sealed record StoredFinding(
    long Id,
    DateTimeOffset Time,
    string Reason,
    string Severity,
    string? AssetId,
    string? SignalId,
    string? DeviceId,
    double? Value,
    double Score,
    string Message,
    string? Explanation,
    int Occurrences,
    DateTimeOffset LastTime,
    long? IncidentId,
    long? LedgerEntry)
{
    /// <summary>The MITRE ATT&amp;CK for ICS techniques its reason is evidence of (<see cref="AttackMapping"/>).</summary>
    public IReadOnlyList<AttackTechnique> Attack => ReasonCodes.TryParse(Reason, out var reason) ? AttackMapping.Default.For(reason) : [];
}
