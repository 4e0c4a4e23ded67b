using System.Data.Common;
using System.Text.Json;
using static TwinGuard.Twins.Record.SqliteCommands;

namespace TwinGuard.Twins.Respond;

/// <summary>Approvals of high-impact actions: asked for by serve, decided by an operator (CLI) or by the timeout policy.</summary>
public sealed partial class ResponseStore
{
    private const string ApprovalColumns =
        "id, incident_id, playbook, action_index, action, target, requested_ms, deadline_ms, approve_on_timeout, status, decided_by, decided_ms, why, claimed_by, claimed_ms";

    /// <summary>Asks for an approval; the context is kept so the action can run even after a restart.</summary>
    public ApprovalRequest RequestApproval(IncidentContext context, Playbook playbook, int actionIndex, string target)
    {
        var action = playbook.Actions[actionIndex];
        var now = _time.GetUtcNow();
        var deadline = now + action.Approval!.Timeout;
        var id = _db.Scalar("""
            INSERT INTO approvals (incident_id, playbook, action_index, action, target, requested_ms, deadline_ms, approve_on_timeout, status, context)
            VALUES (@i, @p, @x, @a, @t, @r, @d, @o, 'pending', @c) RETURNING id
            """,
            ("@i", context.Incident.Id), ("@p", playbook.Id), ("@x", actionIndex), ("@a", action.Describe()), ("@t", target),
            ("@r", now.ToUnixTimeMilliseconds()), ("@d", deadline.ToUnixTimeMilliseconds()), ("@o", action.Approval.ApproveOnTimeout ? 1 : 0),
            ("@c", JsonSerializer.Serialize(context, JsonOptions)));
        return new ApprovalRequest(id, context.Incident.Id, playbook.Id, actionIndex, action.Describe(), target, now, deadline,
            action.Approval.ApproveOnTimeout, "pending", null, null, null);
    }

    /// <summary>Approvals: pending only, or all; oldest first.</summary>
    public IReadOnlyList<ApprovalRequest> Approvals(bool includeDecided = false) =>
        ReadApprovals(includeDecided ? string.Empty : "WHERE status = 'pending'");

    /// <summary>One approval by id, or null.</summary>
    public ApprovalRequest? FindApproval(long id) => ReadApprovals("WHERE id = @id", ("@id", id)).FirstOrDefault();

    /// <summary>An operator's decision on a pending approval. False when it is unknown or no longer pending.</summary>
    public bool Decide(long id, bool approve, string who, string why)
    {
        if (string.IsNullOrWhiteSpace(who) || string.IsNullOrWhiteSpace(why))
        {
            throw new ArgumentException("a decision needs who and why");
        }

        return _db.Execute(
            "UPDATE approvals SET status = @s, decided_by = @b, decided_ms = @n, why = @w WHERE id = @id AND status = 'pending'",
            ("@s", approve ? "approved" : "denied"), ("@b", who), ("@n", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("@w", why), ("@id", id)) == 1;
    }

    /// <summary>
    /// Decided by an operator or due for the timeout policy, and not yet acted on by serve; with <paramref name="lease"/>,
    /// also those a serve claimed (<c>executing</c>) that it can no longer be carrying out: its claim is older than the
    /// lease, or <paramref name="ownerGone"/> says that serve (a cluster's silo, by its membership) is dead. Such a
    /// request comes back as it was claimed (its status the decision it was claimed in) with <see cref="ApprovalRequest.ClaimedBy"/>
    /// and <see cref="ApprovalRequest.Claimed"/> set.
    /// </summary>
    public IReadOnlyList<(ApprovalRequest Request, IncidentContext Context)> DueApprovals(DateTimeOffset now, TimeSpan? lease = null, Func<string, bool>? ownerGone = null)
    {
        var due = _db.Query(
            $"SELECT {ApprovalColumns}, context, claimed_status FROM approvals WHERE status IN ('approved', 'denied') OR (status = 'pending' AND deadline_ms <= @n)"
            + (lease is null ? string.Empty : " OR (status = 'executing' AND claimed_status IS NOT NULL)") + " ORDER BY id",
            reader =>
            {
                var request = ReadApproval(reader);
                var claimedIn = Text(reader, 16);
                return (Request: claimedIn is null ? request : request with { Status = claimedIn },
                    Context: JsonSerializer.Deserialize<IncidentContext>(reader.GetString(15), JsonOptions)!);
            },
            ("@n", now.ToUnixTimeMilliseconds()));
        return due.Where(d => d.Request.Claimed is not { } claimed
                              || now - claimed >= lease
                              || (d.Request.ClaimedBy is { } owner && ownerGone?.Invoke(owner) == true))
            .ToList();
    }

    /// <summary>
    /// Takes a due approval (as <see cref="DueApprovals"/> listed it) for <paramref name="owner"/> alone, under a lease
    /// from now: false when another serve sharing the store (a cluster's silo) took it first, or it is no longer due.
    /// A request another serve had claimed is taken over only if that claim is still the one listed (nobody else took
    /// it over meanwhile, and its owner did not finish it).
    /// </summary>
    public bool ClaimApproval(ApprovalRequest due, string owner)
    {
        ArgumentNullException.ThrowIfNull(due);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (due.Claimed is not { } claimed)
        {
            return _db.Execute(
                "UPDATE approvals SET status = 'executing', claimed_by = @o, claimed_ms = @n, claimed_status = @s WHERE id = @id AND status = @s",
                ("@id", due.Id), ("@s", due.Status), ("@o", owner), ("@n", now)) == 1;
        }

        return _db.Execute(
            "UPDATE approvals SET claimed_by = @o, claimed_ms = @n WHERE id = @id AND status = 'executing' AND claimed_ms = @c AND COALESCE(claimed_by, '') = @b",
            ("@id", due.Id), ("@o", owner), ("@n", now), ("@c", claimed.ToUnixTimeMilliseconds()), ("@b", due.ClaimedBy ?? string.Empty)) == 1;
    }

    /// <summary>True when an action carrying out the approval was recorded (by whichever serve claimed it).</summary>
    public bool ApprovalCarriedOut(long approvalId) =>
        _db.Scalar("SELECT COUNT(*) FROM response_actions WHERE approval_id = @a", ("@a", approvalId)) > 0;

    /// <summary>Records what serve did with a decided approval: <c>executed</c> or <c>dropped</c>; a timeout also fills in the decision.</summary>
    public void CloseApproval(long id, string status, string? timeoutDecision)
    {
        if (timeoutDecision is not null)
        {
            _db.Execute(
                "UPDATE approvals SET status = @s, decided_by = 'timeout', decided_ms = @n, why = @w WHERE id = @id",
                ("@s", status), ("@n", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("@w", timeoutDecision), ("@id", id));
            return;
        }

        _db.Execute("UPDATE approvals SET status = @s WHERE id = @id", ("@s", status), ("@id", id));
    }

    private List<ApprovalRequest> ReadApprovals(string where, params (string Name, object? Value)[] parameters)
    {
        return _db.Query($"SELECT {ApprovalColumns} FROM approvals {where} ORDER BY id", ReadApproval, parameters);
    }

    private static ApprovalRequest ReadApproval(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetInt32(3), r.GetString(4), r.GetString(5), Time(r.GetInt64(6)), Time(r.GetInt64(7)),
        r.GetInt64(8) == 1, r.GetString(9), Text(r, 10), NullableTime(r, 11), Text(r, 12))
    {
        ClaimedBy = Text(r, 13),
        Claimed = NullableTime(r, 14),
    };
}
