using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/approvals</c>: high-impact actions waiting for an operator; approve or deny them.</summary>
internal static class ApprovalsApi
{
    public static RouteGroupBuilder MapApprovalsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/approvals").WithTags("response");
        group.MapGet("/", (bool? all, WriteRecorder writes) => TypedResults.Ok(writes.Read(s => s.Approvals(all ?? false))))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("Pending approvals (all=true: every one)");
        group.MapPost("/{id:long}/approve", (long id, DecisionRequest request, HttpContext context, WriteRecorder writes, ResponseEngine engine, CancellationToken ct) =>
                DecideAsync(id, approve: true, request, context, writes, engine, ct))
            .RequireAuthorization(AccessPolicies.Operator).WithSummary("Approve a pending action: it is carried out at once");
        group.MapPost("/{id:long}/deny", (long id, DecisionRequest request, HttpContext context, WriteRecorder writes, ResponseEngine engine, CancellationToken ct) =>
                DecideAsync(id, approve: false, request, context, writes, engine, ct))
            .RequireAuthorization(AccessPolicies.Operator).WithSummary("Deny a pending action: it is dropped");
        return api;
    }

    private static async Task<Results<Ok<ApprovalRequest>, ProblemHttpResult>> DecideAsync(
        long id, bool approve, DecisionRequest request, HttpContext context, WriteRecorder writes, ResponseEngine engine, CancellationToken cancellationToken)
    {
        if (TwinGuardApi.Check(request.Reason, "reason") is { } problem)
        {
            return Problems.BadRequest(problem);
        }

        if (writes.Read(s => s.FindApproval(id)) is not { } pending)
        {
            return Problems.NotFound(string.Create(CultureInfo.InvariantCulture, $"no approval {id}"));
        }

        var key = context.Key();
        if (!writes.Read(s => s.Decide(id, approve, key.Actor, request.Reason)))
        {
            var now = writes.Read(s => s.FindApproval(id))!;
            return Problems.Conflict(string.Create(CultureInfo.InvariantCulture,
                $"approval {id} is no longer pending: {now.Status}{(now.DecidedBy is { } by ? " by " + by : string.Empty)}"));
        }

        writes.Record(key, pending.IncidentId, approve ? "approve" : "deny", string.Create(CultureInfo.InvariantCulture, $"approval:{id}"),
            $"{pending.Action} {pending.Target}: {request.Reason}");
        await engine.PollAsync(cancellationToken); // carry it out now rather than at the next poll
        return TypedResults.Ok(writes.Read(s => s.FindApproval(id))!);
    }
}
