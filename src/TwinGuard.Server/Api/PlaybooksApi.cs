using TwinGuard.Server.Access;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Api;

/// <summary><c>GET /api/playbooks</c>: the playbooks in force.</summary>
internal static class PlaybooksApi
{
    public static RouteGroupBuilder MapPlaybooksApi(this RouteGroupBuilder api)
    {
        api.MapGet("/playbooks", (ResponsePlan plan) => TypedResults.Ok(plan.Playbooks.Select(p => new PlaybookView(
                p.Id, p.Description, p.Location, p.Trigger.MinSeverity.ToString().ToLowerInvariant(), p.Trigger.Reasons.Select(r => r.Name()).ToList(),
                p.Trigger.Assets, p.Actions.Select(a => a.Describe() + (a.Approval is null ? string.Empty : " (approval)")).ToList())).ToList()))
            .RequireAuthorization(AccessPolicies.Viewer).WithTags("response").WithSummary("Playbooks in force");
        return api;
    }
}
