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
    long? LedgerEntry);
