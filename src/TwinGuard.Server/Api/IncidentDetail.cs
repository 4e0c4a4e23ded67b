using TwinGuard.Server.Access;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Api;

/// <summary>An incident with its evidence, what was done about it, and its timeline.</summary>
/// <param name="Incident">The stored incident.</param>
/// <param name="Findings">Its findings (the evidence), newest first.</param>
/// <param name="Actions">What playbooks, operators and the API did, oldest first.</param>
/// <param name="Approvals">Actions that wait or waited for an operator.</param>
/// <param name="Quarantines">Quarantines it caused, active or released.</param>
/// <param name="Verdicts">Analysts' verdicts.</param>
/// <param name="Timeline">All of the above in time order, with each stage of the intrusion and its ATT&amp;CK techniques.</param>
/// <param name="Campaign">The incidents of the campaign it belongs to (an incident an operator closed, and those that continued its intrusion afterwards), itself alone when none.</param>
/// <param name="Stages">The stages of the intrusion it holds, first stage first (one for a single-stage incident).</param>
internal sealed record IncidentDetail(
    StoredIncident Incident,
    IReadOnlyList<StoredFinding> Findings,
    IReadOnlyList<ActionRecord> Actions,
    IReadOnlyList<ApprovalRequest> Approvals,
    IReadOnlyList<QuarantineEntry> Quarantines,
    IReadOnlyList<Verdict> Verdicts,
    IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<StoredIncident> Campaign,
    IReadOnlyList<StoredIncidentStage> Stages);
