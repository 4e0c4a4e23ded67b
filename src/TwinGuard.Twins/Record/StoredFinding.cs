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
    long? LedgerEntry);
