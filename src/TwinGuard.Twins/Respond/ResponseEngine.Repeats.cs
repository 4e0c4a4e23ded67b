using System.Globalization;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>A stage of an incident seen again: contained again when its containment has ended.</summary>
public sealed partial class ResponseEngine
{
    /// <summary>
    /// A repeat the correlate stage folded into an earlier stage (<see cref="CorrelateStage.StageRepeated"/>). While the
    /// stage's containment holds, or an approval it asked for still waits, the repeat is only counted: the attacker is
    /// contained; nor is it answered when an operator released that containment (a decision, not an ending). When every
    /// containment its playbooks put in force has ended by itself (a quarantine expired) and none waits, the attacker is
    /// back with nothing in the way, so the stage's
    /// playbooks run again, approvals as configured, and the re-run is recorded first (an action record, so the ledger).
    /// A stage whose playbooks contain nothing (only notify or report) is not answered again on each repeat.
    /// </summary>
    private async Task RespondToRepeatAsync(Incident incident, IReadOnlyList<Finding> findings, long observed, CancellationToken cancellationToken)
    {
        if (AnswerOf(incident) is not { } answer || (answer.Holds.Count == 0 && answer.Approvals.Count == 0))
        {
            return;
        }

        // A quarantine past its expiry has ended even if the poll has not released it yet; released now, a playbook
        // that quarantines the same target again makes a new entry instead of finding the ending one in place.
        await LiftEndedAsync(_time.GetUtcNow(), cancellationToken);

        // An operator who released the stage's containment judged the incident handled, and the release closes it: a
        // repeat announced before that close took effect is no reason to contain again (misbehaviour after the close
        // opens a new incident, whose playbooks run). Only a containment that ended by itself is put back by a repeat.
        if (answer.Holds.Any(id => _store.FindQuarantine(id) is { IsActive: false } ended && IsOperatorsRelease(ended)))
        {
            return;
        }

        if (answer.Holds.Any(id => _store.FindQuarantine(id) is { IsActive: true })
            || answer.Approvals.Any(id => _store.FindApproval(id)?.Status is "pending" or "approved" or "denied" or "executing"))
        {
            return;
        }

        var stage = incident.Stages.FirstOrDefault(s => s.Number == incident.Stage);
        var ended = answer.Holds.Count > 0
            ? "quarantine " + string.Join(", ", answer.Holds) + " no longer in force"
            : "approval " + string.Join(", ", answer.Approvals) + " closed without containment";
        _store.Record(incident.Id, null, "respond again: stage " + incident.Stage.ToString(CultureInfo.InvariantCulture), incident.Scope, ActionOutcome.Done, "correlate: repeat",
            string.Create(CultureInfo.InvariantCulture,
                $"stage {incident.Stage} seen again ({stage?.Occurrences ?? 0} times, last at {stage?.LastSeen ?? incident.Opened:u}) with nothing containing it ({ended}): its playbooks run again"),
            _time.GetElapsedTime(observed));
        answer.Reset();
        await RespondCoreAsync(incident, findings, observed, cancellationToken);
    }
}
