using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Correlate;

/// <summary>What <see cref="IncidentCorrelator.Observe"/> decided about a finding.</summary>
public sealed record CorrelationDecision(long? JoinIncidentId, string? OpenScope, string? Rule, IReadOnlyList<long> FindingIds, Finding? Trigger)
{
    /// <summary>Nothing to do yet.</summary>
    public static CorrelationDecision None { get; } = new(null, null, null, [], null);

    /// <summary>The finding belongs to an open incident.</summary>
    public static CorrelationDecision Join(long incidentId) => new(incidentId, null, null, [], null);

    /// <summary>Open an incident over these findings.</summary>
    public static CorrelationDecision OpenIncident(string scope, string rule, IReadOnlyList<long> findingIds, Finding trigger) =>
        new(null, scope, rule, findingIds, trigger);
}
