using System.Globalization;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>Running playbooks: containment first, then records, approvals, notifications and reports.</summary>
public sealed partial class ResponseEngine
{
    private async Task RespondCoreAsync(Incident incident, IReadOnlyList<Finding> findings, long observed, CancellationToken cancellationToken)
    {
        var playbooks = NotYetRun(incident, PlaybookMatcher.Match(_plan, incident, _plant));
        if (playbooks.Count == 0)
        {
            return;
        }

        var context = new IncidentContext(incident, findings, []);
        foreach (var playbook in playbooks)
        {
            var by = "playbook:" + playbook.Id;
            // Before anything is cut off: afterwards the broker no longer knows where the device connected from.
            if (playbook.Actions.Any(a => a.Kind == ActionKind.BlockAddress && a.Target == "source") && context.Addresses.Count == 0)
            {
                context = context with { Addresses = await AddressesOfAsync(incident, cancellationToken) };
            }

            // Containment, in order, before anything is written.
            var done = new List<(int Index, Enforced Result)>();
            for (var i = 0; i < playbook.Actions.Count; i++)
            {
                var action = playbook.Actions[i];
                if (action.Approval is null && action.Kind is not (ActionKind.Notify or ActionKind.Report))
                {
                    done.Add((i, await EnforceSafelyAsync(context, playbook, action, observed, cancellationToken)));
                }
            }

            foreach (var (index, result) in done)
            {
                Persist(context, playbook, playbook.Actions[index], result, by);
            }

            for (var i = 0; i < playbook.Actions.Count; i++)
            {
                var action = playbook.Actions[i];
                if (action.Approval is not null)
                {
                    var target = Describe(context, action);
                    var request = _store.RequestApproval(context, playbook, i, target);
                    _store.Record(incident.Id, playbook.Id, action.Describe(), target, ActionOutcome.AwaitingApproval, by,
                        string.Create(CultureInfo.InvariantCulture, $"approval {request.Id} requested; on timeout at {request.Deadline:u}: {(action.Approval.ApproveOnTimeout ? "approve" : "deny")}"),
                        _time.GetElapsedTime(observed));
                }
            }

            foreach (var action in playbook.Actions.Where(a => a.Kind is ActionKind.Notify or ActionKind.Report && a.Approval is null))
            {
                await CommunicateAsync(context, playbook.Id, action, by, observed, cancellationToken);
            }
        }
    }

    /// <summary>The playbooks among <paramref name="matching"/> that have not run on this incident yet, now marked as run.</summary>
    private List<Playbook> NotYetRun(Incident incident, IReadOnlyList<Playbook> matching)
    {
        if (!_ran.TryGetValue(incident.Id, out var ran))
        {
            if (matching.Count == 0)
            {
                return [];
            }

            _ran[incident.Id] = ran = new HashSet<string>(StringComparer.Ordinal);
            _ranOrder.Enqueue(incident.Id);
            while (_ranOrder.Count > RememberedIncidents)
            {
                _ran.Remove(_ranOrder.Dequeue());
            }
        }

        return matching.Where(p => ran.Add(p.Id)).ToList();
    }

    private async Task<IReadOnlyList<string>> AddressesOfAsync(Incident incident, CancellationToken cancellationToken)
    {
        if (incident.DeviceId is not { } device)
        {
            return [];
        }

        if (_plant.FindDevice(device) is not null)
        {
            return await _broker.EndpointsOfAsync(device, cancellationToken);
        }

        // Not a device of the plant: it never got a connection, but the gate kept where it tried from.
        return _store.RecentRefusalEndpoints(device, incident.Opened - _plant.Correlation.Window);
    }

    private async Task<Enforced> EnforceSafelyAsync(IncidentContext context, Playbook playbook, PlaybookAction action, long observed, CancellationToken cancellationToken)
    {
        try
        {
            return await EnforceAsync(context, action, observed, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogActionFailed(_logger, ex, action.Describe(), playbook.Id, context.Incident.Id);
            return new Enforced(Describe(context, action), ActionOutcome.Failed, ex.Message, _time.GetElapsedTime(observed), []);
        }
    }

    /// <summary>Puts one containing action in force. Nothing here writes to the store.</summary>
    private async Task<Enforced> EnforceAsync(IncidentContext context, PlaybookAction action, long started, CancellationToken cancellationToken)
    {
        var incident = context.Incident;
        var device = incident.DeviceId is { } d && _plant.FindDevice(d) is not null ? d : null;
        Enforced Result(string target, bool changed, string detail, params (QuarantineKind, string)[] holds) =>
            new(target, changed ? ActionOutcome.Done : ActionOutcome.AlreadyInPlace, detail, _time.GetElapsedTime(started), holds);
        Enforced Skip(string target, string why) => new(target, ActionOutcome.Skipped, why, _time.GetElapsedTime(started), []);

        switch (action.Kind)
        {
            case ActionKind.QuarantineSource:
                if (incident.DeviceId is not { } source)
                {
                    return Skip("-", "the incident names no source");
                }

                if (device is null)
                {
                    // Not a device of the plant: the broker already refuses it as unknown. Holding its name on the
                    // quarantine list costs nothing and keeps it refused should a device of that name be added to the
                    // plant model (or the broker's accounts) before an operator has looked. The broker is not asked: it
                    // has no account of that name to disable.
                    return Result(source, _quarantine.AddDevice(source), "not a device of the plant model: the broker refuses it as unknown, and its name is now quarantined", (QuarantineKind.Source, source));
                }

                var newSource = _quarantine.AddDevice(device);
                await _broker.DenyAsync(device, cancellationToken);
                return Result(device, newSource, "the gate refuses its data and the broker its connections", (QuarantineKind.Source, device));

            case ActionKind.QuarantineAsset:
                if (incident.AssetId is not { } asset)
                {
                    return Skip("-", "the incident names no asset");
                }

                return Result(asset, _quarantine.AddAsset(asset), "the gate refuses data for it; the twin holds the last-known-good values", (QuarantineKind.Asset, asset));

            case ActionKind.QuarantineSignals:
                var signals = context.Signals;
                if (signals.Count == 0)
                {
                    return Skip("-", "the incident's findings name no signal");
                }

                var anyNew = false;
                foreach (var signal in signals)
                {
                    var slash = signal.IndexOf('/', StringComparison.Ordinal);
                    anyNew |= _quarantine.AddSignal(signal[..slash], signal[(slash + 1)..]);
                }

                return Result(string.Join(",", signals), anyNew, "the gate refuses these signals' values", signals.Select(s => (QuarantineKind.Signal, s)).ToArray());

            case ActionKind.Disconnect:
                if (device is null)
                {
                    return Skip(incident.DeviceId ?? "-", "no device of the plant model to disconnect");
                }

                var dropped = await _broker.DisconnectAsync(device, cancellationToken);
                return Result(device, true, string.Create(CultureInfo.InvariantCulture, $"{dropped} connection(s) dropped"));

            case ActionKind.RevokeCredentials:
                if (device is null)
                {
                    return Skip(incident.DeviceId ?? "-", "no device of the plant model whose credentials could be revoked");
                }

                var newRevocation = _quarantine.RevokeCredentials(device);
                await _broker.DenyAsync(device, cancellationToken);
                return Result(device, newRevocation, "its logins are refused until released", (QuarantineKind.Credentials, device));

            case ActionKind.ReadOnly:
                if (incident.AssetId is not { } readOnlyAsset)
                {
                    return Skip("-", "the incident names no asset");
                }

                return Result(readOnlyAsset, _access.Restrict(readOnlyAsset), "API writes to its twin are refused", (QuarantineKind.ReadOnly, readOnlyAsset));

            default:
                var addresses = action.Target == "source" ? context.Addresses.Select(a => NftRules.Normalize(a).Text).Distinct().ToList() : [NftRules.Normalize(action.Target).Text];
                if (addresses.Count == 0)
                {
                    return Skip(incident.DeviceId ?? "-", "no address is known for the incident's source");
                }

                var unsafeTargets = addresses.Select(_targets.Refusal).OfType<string>().ToList();
                if (unsafeTargets.Count > 0)
                {
                    addresses = addresses.Where(a => _targets.Refusal(a) is null).ToList();
                    if (addresses.Count == 0)
                    {
                        return Skip(string.Join(",", context.Addresses), "never blocked: " + string.Join("; ", unsafeTargets));
                    }
                }

                var rules = new List<string>();
                foreach (var address in addresses)
                {
                    rules.Add(await _network.BlockAsync(address, cancellationToken));
                }

                return Result(string.Join(",", addresses), true, string.Join("; ", rules), addresses.Select(a => (QuarantineKind.Address, a)).ToArray());
        }
    }

    private void Persist(IncidentContext context, Playbook playbook, PlaybookAction action, Enforced result, string by)
    {
        var expires = action.Expires is { } e ? _time.GetUtcNow() + e : (DateTimeOffset?)null;
        var outcome = result.Outcome;
        var ids = new List<long>();
        foreach (var (kind, target) in result.Holds)
        {
            var (entry, added) = _store.AddQuarantine(kind, target, context.Incident.Id, by, context.Incident.Title, expires);
            _applied.Add(entry.Id);
            ids.Add(entry.Id);
            if (!added && outcome == ActionOutcome.Done && result.Holds.Count == 1)
            {
                outcome = ActionOutcome.AlreadyInPlace;
            }
        }

        var detail = ids.Count == 0 ? result.Detail : $"{result.Detail} (quarantine {string.Join(", ", ids)})";
        _store.Record(context.Incident.Id, playbook.Id, action.Describe(), result.Target, outcome, by, detail, result.Elapsed);
    }

    private async Task CommunicateAsync(IncidentContext context, string playbook, PlaybookAction action, string by, long started, CancellationToken cancellationToken)
    {
        var alert = new IncidentAlert(_plant.Site.Id, context, playbook, _store.Actions(context.Incident.Id), _time.GetUtcNow());
        if (action.Kind == ActionKind.Report)
        {
            try
            {
                var containments = _store.Quarantines(includeReleased: true).Where(q => q.IncidentId == context.Incident.Id).ToList();
                var (md, json) = await _reports.WriteAsync(alert, containments, cancellationToken);
                _store.Record(context.Incident.Id, playbook, action.Describe(), "incident", ActionOutcome.Done, by, $"{md}, {json}", _time.GetElapsedTime(started));
            }
            catch (IOException ex)
            {
                _store.Record(context.Incident.Id, playbook, action.Describe(), "incident", ActionOutcome.Failed, by, ex.Message, _time.GetElapsedTime(started));
            }

            return;
        }

        foreach (var id in action.Notifiers)
        {
            try
            {
                var where = await _notifiers[id].NotifyAsync(alert, cancellationToken);
                _store.Record(context.Incident.Id, playbook, "notify", id, ActionOutcome.Done, by, where, _time.GetElapsedTime(started));
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or HttpRequestException or TaskCanceledException)
            {
                LogActionFailed(_logger, ex, "notify " + id, playbook, context.Incident.Id);
                _store.Record(context.Incident.Id, playbook, "notify", id, ActionOutcome.Failed, by, ex.Message, _time.GetElapsedTime(started));
            }
        }
    }

    private static string Describe(IncidentContext context, PlaybookAction action) => action.Kind switch
    {
        ActionKind.QuarantineSource or ActionKind.Disconnect or ActionKind.RevokeCredentials => context.Incident.DeviceId ?? "-",
        ActionKind.QuarantineAsset or ActionKind.ReadOnly => context.Incident.AssetId ?? "-",
        ActionKind.QuarantineSignals => string.Join(",", context.Signals),
        ActionKind.BlockAddress => action.Target == "source" ? context.Incident.DeviceId ?? "-" : action.Target,
        ActionKind.Notify => string.Join(",", action.Notifiers),
        _ => "incident",
    };

    /// <summary>The result of putting one action in force, to be recorded afterwards.</summary>
    private sealed record Enforced(string Target, ActionOutcome Outcome, string Detail, TimeSpan Elapsed, IReadOnlyList<(QuarantineKind Kind, string Target)> Holds);
}
