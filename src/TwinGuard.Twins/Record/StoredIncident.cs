using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>An incident as stored.</summary>
public sealed record StoredIncident(
    long Id,
    DateTimeOffset Opened,
    DateTimeOffset Updated,
    string Scope,
    string? AssetId,
    string? DeviceId,
    string Severity,
    string Title,
    string Rule,
    IReadOnlyList<string> Reasons,
    string Status,
    int FindingCount,
    long? LedgerEntry)
{
    /// <summary>The closed incident whose intrusion it continues, or null (<see cref="Correlate.StageLinker"/>).</summary>
    public long? CampaignId { get; init; }

    /// <summary>The MITRE ATT&amp;CK for ICS techniques of all its reasons, ordered by id.</summary>
    public IReadOnlyList<AttackTechnique> Attack =>
        AttackMapping.Default.For(Reasons.Select(r => ReasonCodes.TryParse(r, out var reason) ? reason : (ReasonCode?)null).OfType<ReasonCode>());
}
