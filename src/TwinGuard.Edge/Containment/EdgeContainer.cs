using TwinGuard.Edge.Uplink;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Edge;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Edge.Containment;

/// <summary>
/// Containment at the edge: the site's playbooks (<see cref="PlaybookMatcher"/> on the same playbooks.yaml) run on the
/// edge's own incidents, so the edge contains on its own while the link is down; and containments the site decides
/// arrive here and are put in force in the edge's gate.
/// </summary>
/// <remarks>
/// The edge carries out what its gate can do: quarantine a source, an asset or signals, revoke a device's credentials
/// and drop its connections. Actions that need the site (notify, report, block an address on the site's firewall,
/// read-only twins) and actions that wait for an operator's approval are left to the site, which sees the same incident
/// from the forwarded findings. Every action is recorded in the edge's ledger and sent to the site.
/// </remarks>
internal sealed class EdgeContainer(
    PlantModel plant, ResponsePlan plan, QuarantineList quarantine, LedgerRecorder ledger, EdgeOutbox outbox, EdgeLog log, TimeProvider time)
{
    /// <summary>How many incidents' playbook runs are remembered; an incident older than the last this many cannot still be escalating.</summary>
    private const int RememberedIncidents = 4096;

    private readonly Dictionary<long, HashSet<string>> _ran = [];
    private readonly Queue<long> _ranOrder = new();
    private long _actions;
    private long _recorded;

    /// <summary>Called when a device's connections must be dropped (the device listener does it).</summary>
    public Func<string, Task>? Disconnect { get; set; }

    /// <summary>Containments put in force since start (by the edge or the site).</summary>
    public long Applied => Interlocked.Read(ref _actions);

    /// <summary>
    /// Runs the playbooks that match an incident the edge opened or escalated and have not yet run on it (a playbook runs
    /// at most once per incident, as at the site). Called from one thread (the edge's record stage).
    /// </summary>
    public async Task RespondAsync(Incident incident)
    {
        if (!_ran.TryGetValue(incident.Id, out var ran))
        {
            _ran[incident.Id] = ran = new HashSet<string>(StringComparer.Ordinal);
            _ranOrder.Enqueue(incident.Id);
            if (_ranOrder.Count > RememberedIncidents)
            {
                _ran.Remove(_ranOrder.Dequeue());
            }
        }

        foreach (var playbook in PlaybookMatcher.Match(plan, incident, plant).Where(p => ran.Add(p.Id)))
        {
            foreach (var action in playbook.Actions)
            {
                if (action.Approval is not null || !IsEdgeAction(action.Kind))
                {
                    Record(incident.Id, playbook.Id, action.Describe(), "-", ActionOutcome.Skipped, "edge", "left to the site (it needs the site or an operator)");
                    continue;
                }

                var verb = action.Kind switch
                {
                    ActionKind.Disconnect => "disconnect",
                    ActionKind.RevokeCredentials => "revoke",
                    _ => "quarantine",
                };
                foreach (var (target, id) in Targets(action.Kind, incident))
                {
                    await ApplyAsync(new EdgeContainment(verb, target, id, $"playbook {playbook.Id}: {incident.Title}", "edge"), incident.Id, playbook.Id);
                }
            }
        }
    }

    /// <summary>Puts in force (or lifts) a containment the site decided.</summary>
    public Task ApplyFromSiteAsync(EdgeContainment containment) => ApplyAsync(containment with { By = "site" }, null, null);

    private static bool IsEdgeAction(ActionKind kind) =>
        kind is ActionKind.QuarantineSource or ActionKind.QuarantineAsset or ActionKind.QuarantineSignals or ActionKind.Disconnect or ActionKind.RevokeCredentials;

    private static IEnumerable<(string Target, string Id)> Targets(ActionKind kind, Incident incident) => kind switch
    {
        ActionKind.QuarantineSource or ActionKind.Disconnect or ActionKind.RevokeCredentials when incident.DeviceId is { } d => [("device", d)],
        ActionKind.QuarantineAsset when incident.AssetId is { } a => [("asset", a)],
        ActionKind.QuarantineSignals => incident.Members.Where(m => m.AssetId is not null && m.SignalId is not null)
            .Select(m => ("signal", m.AssetId + "/" + m.SignalId)).Distinct(),
        _ => [],
    };

    private async Task ApplyAsync(EdgeContainment containment, long? incidentId, string? playbook)
    {
        var release = containment.Action == "release";
        var changed = (containment.Action, containment.Target) switch
        {
            ("quarantine", "device") => quarantine.AddDevice(containment.Id),
            ("revoke", "device") => quarantine.RevokeCredentials(containment.Id) | quarantine.AddDevice(containment.Id),
            ("disconnect", "device") => true,
            ("release", "device") => quarantine.ReleaseDevice(containment.Id) | quarantine.RestoreCredentials(containment.Id),
            ("quarantine", "asset") => quarantine.AddAsset(containment.Id),
            ("release", "asset") => quarantine.ReleaseAsset(containment.Id),
            ("quarantine" or "release", "signal") => ApplySignals(containment.Id, release),
            _ => false,
        };

        if (!release && containment.Target == "device" && Disconnect is { } disconnect)
        {
            await disconnect(containment.Id);
        }

        var outcome = release ? ActionOutcome.Released : changed ? ActionOutcome.Done : ActionOutcome.AlreadyInPlace;
        Record(incidentId, playbook, $"{containment.Action}: {containment.Target}", containment.Id, outcome, containment.By, containment.Reason);
        if (changed && !release)
        {
            Interlocked.Increment(ref _actions);
        }

        log.Info($"{containment.Action} {containment.Target} {containment.Id} by {containment.By}: {outcome}");
        if (containment.By == "edge")
        {
            outbox.EnqueueContainment(containment);
        }
    }

    /// <summary>Quarantines or releases <c>asset/signal</c> ids, comma-separated as the site's respond stage writes them.</summary>
    private bool ApplySignals(string ids, bool release)
    {
        var changed = false;
        foreach (var id in ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (id.Split('/') is [var asset, var signal])
            {
                changed |= release ? quarantine.ReleaseSignal(asset, signal) : quarantine.AddSignal(asset, signal);
            }
        }

        return changed;
    }

    private void Record(long? incidentId, string? playbook, string action, string target, ActionOutcome outcome, string by, string detail) =>
        ledger.RecordAction(new ActionRecord(Interlocked.Increment(ref _recorded), time.GetUtcNow(), incidentId, playbook, action, target, outcome, by, detail, TimeSpan.Zero));
}
