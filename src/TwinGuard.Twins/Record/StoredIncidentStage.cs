using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>One stage of a stored incident's timeline (see <see cref="Correlate.IncidentStage"/>).</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Number">1 for the stage that opened it, then 2, 3, ...</param>
/// <param name="Time">When the stage's rule fired.</param>
/// <param name="Scope">What the stage concerns: <c>asset:ID</c> or <c>source:ID</c>.</param>
/// <param name="AssetId">Its asset, when its scope is one.</param>
/// <param name="DeviceId">The device most of its findings came from, when known.</param>
/// <param name="Severity">The highest severity of its findings.</param>
/// <param name="Rule">The correlation rule that fired for it.</param>
/// <param name="Reasons">Distinct reasons of its findings.</param>
/// <param name="Title">One line for timelines.</param>
/// <param name="Link">What links it to the incident (<c>device ID</c>, <c>address A</c>); null for stage 1.</param>
/// <param name="FindingCount">The findings it opened over.</param>
/// <param name="LedgerEntry">The ledger entry that records it (for stage 1: the incident's).</param>
public sealed record StoredIncidentStage(
    long IncidentId,
    int Number,
    DateTimeOffset Time,
    string Scope,
    string? AssetId,
    string? DeviceId,
    string Severity,
    string Rule,
    IReadOnlyList<string> Reasons,
    string Title,
    string? Link,
    int FindingCount,
    long? LedgerEntry)
{
    private readonly DateTimeOffset? _lastSeen;

    /// <summary>How many times the step was seen (1, plus each later recurrence folded into it).</summary>
    /// <value>1.</value>
    public int Occurrences { get; init; } = 1;

    /// <summary>When the step was last seen; <see cref="Time"/> until it recurs.</summary>
    public DateTimeOffset LastSeen
    {
        get => _lastSeen ?? Time;
        init => _lastSeen = value;
    }

    /// <summary>The MITRE ATT&amp;CK for ICS techniques of its reasons, ordered by id.</summary>
    public IReadOnlyList<AttackTechnique> Attack =>
        AttackMapping.Default.For(Reasons.Select(r => ReasonCodes.TryParse(r, out var reason) ? reason : (ReasonCode?)null).OfType<ReasonCode>());
}
