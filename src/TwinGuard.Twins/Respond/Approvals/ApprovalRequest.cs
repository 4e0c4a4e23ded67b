namespace TwinGuard.Twins.Respond;

/// <summary>A high-impact action waiting for (or past) an operator's decision.</summary>
/// <param name="Id">Store id; what <c>twinguard approvals approve|deny</c> take.</param>
/// <param name="IncidentId">The incident.</param>
/// <param name="Playbook">The playbook.</param>
/// <param name="ActionIndex">Position of the action in the playbook.</param>
/// <param name="Action">The action as written.</param>
/// <param name="Target">What it would act on.</param>
/// <param name="Requested">When it was asked for.</param>
/// <param name="Deadline">When the timeout policy decides.</param>
/// <param name="ApproveOnTimeout">What the timeout policy decides.</param>
/// <param name="Status"><c>pending</c>, <c>approved</c>, <c>denied</c>; <c>executing</c> while a serve carries it out; once serve has acted, <c>executed</c> or <c>dropped</c>.</param>
/// <param name="DecidedBy">Who decided (an operator, or <c>timeout</c>).</param>
/// <param name="Decided">When.</param>
/// <param name="Why">The operator's reason.</param>
public sealed record ApprovalRequest(
    long Id,
    long IncidentId,
    string Playbook,
    int ActionIndex,
    string Action,
    string Target,
    DateTimeOffset Requested,
    DateTimeOffset Deadline,
    bool ApproveOnTimeout,
    string Status,
    string? DecidedBy,
    DateTimeOffset? Decided,
    string? Why)
{
    /// <summary>The serve (a cluster's silo) that claimed it to carry it out, while it is <c>executing</c>.</summary>
    public string? ClaimedBy { get; init; }

    /// <summary>When it was claimed: the lease runs from here.</summary>
    public DateTimeOffset? Claimed { get; init; }
}
