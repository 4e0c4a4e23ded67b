using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Correlate;

/// <summary>What <see cref="IncidentCorrelator.Observe"/> decided about a finding.</summary>
/// <param name="JoinIncidentId">The open incident the finding belongs to.</param>
/// <param name="OpenScope">The scope of the incident to open.</param>
/// <param name="Rule">The rule that opens it.</param>
/// <param name="FindingIds">The ids of the findings it opens over (each once).</param>
/// <param name="Trigger">The finding that made the rule fire.</param>
public sealed record CorrelationDecision(long? JoinIncidentId, string? OpenScope, string? Rule, IReadOnlyList<long> FindingIds, Finding? Trigger)
{
    /// <summary>Nothing to do yet.</summary>
    public static CorrelationDecision None { get; } = new(null, null, null, [], null);

    /// <summary>The findings an incident to open groups (a repeated finding once per time it was counted), oldest first.</summary>
    public IReadOnlyList<Finding> Members { get; init; } = [];

    /// <summary>
    /// When the finding joins an open incident and raises its severity or adds a reason: the incident as it is now
    /// (highest severity and distinct reasons of all its findings). Null when the join changes neither.
    /// </summary>
    public Incident? Escalated { get; init; }

    /// <summary>The finding belongs to an open incident.</summary>
    public static CorrelationDecision Join(long incidentId, Incident? escalated = null) =>
        new(incidentId, null, null, [], null) { Escalated = escalated };

    /// <summary>Open an incident over these findings.</summary>
    public static CorrelationDecision OpenIncident(string scope, string rule, IReadOnlyList<long> findingIds, Finding trigger, IReadOnlyList<Finding> members) =>
        new(null, scope, rule, findingIds, trigger) { Members = members };

    /// <summary>The highest severity of <see cref="Members"/> (at least the trigger's).</summary>
    public Severity Severity => Members.Count == 0 ? Trigger?.Severity ?? Severity.Info : Members.Max(m => m.Severity);

    /// <summary>The distinct reasons of <see cref="Members"/>, in the order they first appeared.</summary>
    public IReadOnlyList<ReasonCode> Reasons => Members.Count == 0 && Trigger is { } t ? [t.Reason] : Members.Select(m => m.Reason).Distinct().ToList();

    /// <summary>The device most of <see cref="Members"/> came from (the trigger's on a tie), or null when none names one.</summary>
    public string? DeviceId
    {
        get
        {
            var counts = Members.Where(m => m.DeviceId is not null).GroupBy(m => m.DeviceId!, StringComparer.Ordinal)
                .Select(g => (Device: g.Key, Count: g.Count())).ToList();
            if (counts.Count == 0)
            {
                return Trigger?.DeviceId;
            }

            var most = counts.Max(c => c.Count);
            return Trigger?.DeviceId is { } own && counts.Any(c => c.Device == own && c.Count == most) ? own : counts.First(c => c.Count == most).Device;
        }
    }
}
