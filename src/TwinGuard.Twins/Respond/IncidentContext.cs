using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>An incident with what the respond stage knows about it when it acts: its findings, signals and addresses.</summary>
/// <param name="Incident">The incident.</param>
/// <param name="Findings">The findings seen in its scope up to its opening (the evidence).</param>
/// <param name="Addresses">Where the incident's device connects from, as the broker knows it (may be empty).</param>
public sealed record IncidentContext(Incident Incident, IReadOnlyList<Finding> Findings, IReadOnlyList<string> Addresses)
{
    /// <summary>The signals (<c>asset/signal</c>) the findings name.</summary>
    public IReadOnlyList<string> Signals =>
        Findings.Where(f => f.AssetId is not null && f.SignalId is not null).Select(f => $"{f.AssetId}/{f.SignalId}").Distinct().ToList();
}
