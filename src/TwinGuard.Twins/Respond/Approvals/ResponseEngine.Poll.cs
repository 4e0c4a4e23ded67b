using System.Globalization;

namespace TwinGuard.Twins.Respond;

/// <summary>What the CLI and the clock decide while serve runs: expiries, releases, manual quarantines, approvals.</summary>
public sealed partial class ResponseEngine
{
    /// <summary>True when a released quarantine was released by a person's decision, not by its expiry.</summary>
    private static bool IsOperatorsRelease(QuarantineEntry entry) => entry.ReleasedBy is { } by && by != ResponseStore.ExpiryActor;

    private async Task PollCoreAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await LiftEndedAsync(now, cancellationToken);
        var active = _store.Quarantines();
        foreach (var entry in active.Where(e => !_applied.Contains(e.Id)))
        {
            var started = _time.GetTimestamp();
            await _containment.ApplyAsync(entry, cancellationToken);
            _applied.Add(entry.Id);
            _store.Record(entry.IncidentId, null, "quarantine: " + ResponseStore.Name(entry.Kind), entry.Target, ActionOutcome.Done, entry.By,
                string.Create(CultureInfo.InvariantCulture, $"quarantine {entry.Id} put in force: {entry.Reason}"), _time.GetElapsedTime(started));
        }

        // A cluster's silos share one store: whichever lifted a release first marked it lifted, so the others lift what
        // they hold of it here, without recording the release again. An operator's release closes its incident here
        // too, as on the silo that lifted it: the operator judged it handled, so the same step coming back through this
        // silo opens a new incident (whose playbooks run) instead of being folded into the released one and contained
        // again as its repeat, behind the operator's back.
        foreach (var id in _applied.Where(id => !active.Any(e => e.Id == id)).ToList())
        {
            if (_store.FindQuarantine(id) is { Lifted: not null } lifted)
            {
                await _containment.LiftAsync(lifted, cancellationToken);
                _applied.Remove(id);
                if (lifted.IncidentId is { } incidentId && IsOperatorsRelease(lifted))
                {
                    IncidentReleased?.Invoke(incidentId, _time.GetUtcNow());
                }
            }
        }

        foreach (var (request, context) in _store.DueApprovals(now, Claims.Lease, Claims.OwnerGone))
        {
            // Claimed first: with a shared store every silo sees it due, and one alone carries it out. A claim whose owner
            // died mid-way (its lease ran out, or the membership declared it dead) is taken over here.
            if (_store.ClaimApproval(request, Claims.Owner))
            {
                await DecideAsync(request, context, cancellationToken);
            }
        }
    }

    /// <summary>Releases what expired by <paramref name="now"/> and lifts every released containment not lifted yet.</summary>
    private async Task LiftEndedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var entry in _store.Expired(now))
        {
            _store.Release(entry.Id, ResponseStore.ExpiryActor, string.Create(CultureInfo.InvariantCulture, $"expired at {entry.Expires:u}"));
        }

        foreach (var entry in _store.ReleasedNotLifted())
        {
            await LiftAsync(entry, cancellationToken);
        }
    }

    private async Task DecideAsync(ApprovalRequest request, IncidentContext context, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var timedOut = request.Status == "pending";
        var approved = timedOut ? request.ApproveOnTimeout : request.Status == "approved";
        var playbook = _plan.Playbooks.FirstOrDefault(p => p.Id == request.Playbook);
        var timeoutNote = timedOut ? string.Create(CultureInfo.InvariantCulture, $"no decision by {request.Deadline:u}: {(approved ? "approved" : "denied")} by the timeout policy") : null;
        var by = timedOut ? "timeout" : request.DecidedBy!;
        if (request.ClaimedBy is { } earlier && _store.ApprovalCarriedOut(request.Id))
        {
            // Taken over from a serve that died after carrying it out and recording it, before closing it: once is enough.
            _store.CloseApproval(request.Id, approved ? "executed" : "dropped", timeoutNote);
            _store.Record(request.IncidentId, request.Playbook, request.Action, request.Target, ActionOutcome.AlreadyInPlace, Claims.Owner,
                $"approval {request.Id.ToString(CultureInfo.InvariantCulture)} was carried out by {earlier}, which stopped before closing it; closed, not carried out again",
                _time.GetElapsedTime(started));
            return;
        }

        if (playbook is null || request.ActionIndex >= playbook.Actions.Count || playbook.Actions[request.ActionIndex].Describe() != request.Action)
        {
            _store.CloseApproval(request.Id, "dropped", timeoutNote);
            _store.Record(request.IncidentId, request.Playbook, request.Action, request.Target, ActionOutcome.Skipped, by,
                $"approval {request.Id}: the playbook no longer has this action", _time.GetElapsedTime(started), request.Id);
            return;
        }

        if (!approved)
        {
            _store.CloseApproval(request.Id, "dropped", timeoutNote);
            _store.Record(request.IncidentId, request.Playbook, request.Action, request.Target, ActionOutcome.Denied, by,
                string.Create(CultureInfo.InvariantCulture, $"approval {request.Id} denied: {timeoutNote ?? request.Why}"), _time.GetElapsedTime(started), request.Id);
            return;
        }

        var action = playbook.Actions[request.ActionIndex];
        var actor = $"{by} (approval {request.Id.ToString(CultureInfo.InvariantCulture)}{(timedOut ? string.Empty : ": " + request.Why)})";
        if (action.Kind is ActionKind.Notify or ActionKind.Report)
        {
            // On the receivers' lanes, closed once sent (or dropped): a slow receiver holds up no containment.
            _communicator.Queue(context, playbook.Id, action, actor, started, request.Id, () => _store.CloseApproval(request.Id, "executed", timeoutNote));
            return;
        }
        else
        {
            if (action.Kind == ActionKind.BlockAddress && action.Target == "source" && context.Addresses.Count == 0)
            {
                context = context with { Addresses = await _containment.AddressesOfAsync(context.Incident, cancellationToken) };
            }

            var result = await EnforceSafelyAsync(context, playbook, action, started, cancellationToken);
            Persist(context, playbook, action, result, actor, request.Id);
        }

        _store.CloseApproval(request.Id, "executed", timeoutNote);
    }
}
