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

    /// <summary>What <paramref name="action"/> acts on in this incident, as recorded and shown for approval.</summary>
    public string TargetOf(PlaybookAction action) => action.Kind switch
    {
        ActionKind.QuarantineSource or ActionKind.Disconnect or ActionKind.RevokeCredentials => Incident.DeviceId ?? "-",
        ActionKind.QuarantineAsset or ActionKind.ReadOnly => Incident.AssetId ?? "-",
        ActionKind.QuarantineSignals => string.Join(",", Signals),
        ActionKind.BlockAddress => action.Target == "source" ? Incident.DeviceId ?? "-" : action.Target,
        ActionKind.Notify => string.Join(",", action.Notifiers),
        _ => "incident",
    };
}
