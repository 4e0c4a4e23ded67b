using System.Globalization;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>Running playbooks: containment first, then records, approvals, notifications and reports.</summary>
public sealed partial class ResponseEngine
{
    private async Task RespondCoreAsync(Incident incident, IReadOnlyList<Finding> findings, long observed, CancellationToken cancellationToken)
    {
        var playbooks = NotYetRun(incident, PlaybookMatcher.Match(_plan, incident, _plant.Current));
        if (playbooks.Count == 0)
        {
            return;
        }

        // Containment of every matching playbook, in order, before anything is written or sent.
        var context = new IncidentContext(incident, findings, []);
        var contained = new List<(Playbook Playbook, List<(int Index, Enforcement Result)> Done)>(playbooks.Count);
        foreach (var playbook in playbooks)
        {
            // Before anything is cut off: afterwards the broker no longer knows where the device connected from.
            if (playbook.Actions.Any(a => a.Kind == ActionKind.BlockAddress && a.Target == "source") && context.Addresses.Count == 0)
            {
                context = context with { Addresses = await _containment.AddressesOfAsync(incident, cancellationToken) };
            }

            var done = new List<(int Index, Enforcement Result)>();
            for (var i = 0; i < playbook.Actions.Count; i++)
            {
                var action = playbook.Actions[i];
                if (action.Approval is null && action.Kind is not (ActionKind.Notify or ActionKind.Report))
                {
                    done.Add((i, await EnforceSafelyAsync(context, playbook, action, observed, cancellationToken)));
                }
            }

            contained.Add((playbook, done));
        }

        // The records and what follows are no part of containment: off the thread that announced the incident (the
        // correlate stage's, which may be a twin's).
        await Task.Yield();
        foreach (var (playbook, done) in contained)
        {
            var by = "playbook:" + playbook.Id;
            foreach (var (index, result) in done)
            {
                Persist(context, playbook, playbook.Actions[index], result, by);
            }

            for (var i = 0; i < playbook.Actions.Count; i++)
            {
                var action = playbook.Actions[i];
                if (action.Approval is not null)
                {
                    var target = context.TargetOf(action);
                    var request = _store.RequestApproval(context, playbook, i, target);
                    AnswerOf(incident)?.Approvals.Add(request.Id);
                    _store.Record(incident.Id, playbook.Id, action.Describe(), target, ActionOutcome.AwaitingApproval, by,
                        string.Create(CultureInfo.InvariantCulture, $"approval {request.Id} requested; on timeout at {request.Deadline:u}: {(action.Approval.ApproveOnTimeout ? "approve" : "deny")}"),
                        _time.GetElapsedTime(observed));
                }
            }

            // Sent on each receiver's lane: the next incident's containment does not wait for a slow receiver, nor does another receiver.
            foreach (var action in playbook.Actions.Where(a => a.Kind is ActionKind.Notify or ActionKind.Report && a.Approval is null))
            {
                _communicator.Queue(context, playbook.Id, action, by, observed, approvalId: null, then: null);
            }
        }
    }

    /// <summary>
    /// The playbooks among <paramref name="matching"/> that have not run on this stage of the incident yet, now marked as
    /// run: each stage of a multi-stage intrusion (its own scope, device and asset) is answered as a new incident would be.
    /// </summary>
    private List<Playbook> NotYetRun(Incident incident, IReadOnlyList<Playbook> matching)
    {
        var key = (incident.Id, incident.Stage);
        if (!_ran.TryGetValue(key, out var ran))
        {
            if (matching.Count == 0)
            {
                return [];
            }

            _ran[key] = ran = new StageResponse();
            _ranOrder.Enqueue(key);
            while (_ranOrder.Count > RememberedIncidents)
            {
                _ran.Remove(_ranOrder.Dequeue());
            }
        }

        return matching.Where(p => ran.Playbooks.Add(p.Id)).ToList();
    }

    /// <summary>What the engine did for this stage of the incident, while it is remembered.</summary>
    private StageResponse? AnswerOf(Incident incident) => _ran.GetValueOrDefault((incident.Id, incident.Stage));

    private async Task<Enforcement> EnforceSafelyAsync(IncidentContext context, Playbook playbook, PlaybookAction action, long observed, CancellationToken cancellationToken)
    {
        try
        {
            return await _containment.EnforceAsync(context, action, observed, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogActionFailed(_logger, ex, action.Describe(), playbook.Id, context.Incident.Id);
            return new Enforcement(context.TargetOf(action), ActionOutcome.Failed, ex.Message, _time.GetElapsedTime(observed), []);
        }
    }

    private void Persist(IncidentContext context, Playbook playbook, PlaybookAction action, Enforcement result, string by, long? approvalId = null)
    {
        var expires = action.Expires is { } e ? _time.GetUtcNow() + e : (DateTimeOffset?)null;
        var outcome = result.Outcome;
        var ids = new List<long>();
        foreach (var (kind, target) in result.Holds)
        {
            var (entry, added) = _store.AddQuarantine(kind, target, context.Incident.Id, by, context.Incident.Title, expires);
            _applied.Add(entry.Id);
            ids.Add(entry.Id);
            AnswerOf(context.Incident)?.Holds.Add(entry.Id);
            if (!added && outcome == ActionOutcome.Done && result.Holds.Count == 1)
            {
                outcome = ActionOutcome.AlreadyInPlace;
            }
        }

        var detail = ids.Count == 0 ? result.Detail : $"{result.Detail} (quarantine {string.Join(", ", ids)})";
        _store.Record(context.Incident.Id, playbook.Id, action.Describe(), result.Target, outcome, by, detail, result.Elapsed, approvalId);
    }

}
