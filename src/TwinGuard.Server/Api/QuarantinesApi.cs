using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/quarantines</c>: containments in force; release (operators) and quarantine by hand (admins).</summary>
internal static class QuarantinesApi
{
    public static RouteGroupBuilder MapQuarantinesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/quarantines").WithTags("response");
        group.MapGet("/", (bool? all, WriteRecorder writes) => TypedResults.Ok(writes.Read(s => s.Quarantines(all ?? false))))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("Quarantines in force (all=true: every one ever)");
        group.MapPost("/{id:long}/release", ReleaseAsync)
            .RequireAuthorization(AccessPolicies.Operator).WithSummary("Release a quarantine now (the reason and the key's name are recorded)");
        group.MapPost("/", AddAsync)
            .RequireAuthorization(AccessPolicies.Admin).WithSummary("Quarantine something by hand");
        return api;
    }

    private static async Task<Results<Ok<QuarantineEntry>, ProblemHttpResult>> ReleaseAsync(
        long id, DecisionRequest request, HttpContext context, WriteRecorder writes, ResponseEngine engine, CancellationToken cancellationToken)
    {
        if (TwinGuardApi.Check(request.Reason, "reason") is { } problem)
        {
            return Problems.BadRequest(problem);
        }

        if (writes.Read(s => s.FindQuarantine(id)) is not { } entry)
        {
            return Problems.NotFound(string.Create(CultureInfo.InvariantCulture, $"no quarantine {id}"));
        }

        if (!entry.IsActive || !await engine.ReleaseAsync(id, context.Key().Actor, request.Reason, cancellationToken))
        {
            var now = writes.Read(s => s.FindQuarantine(id))!;
            return Problems.Conflict(string.Create(CultureInfo.InvariantCulture, $"quarantine {id} was already released by {now.ReleasedBy} at {now.Released:u}"));
        }

        return TypedResults.Ok(writes.Read(s => s.FindQuarantine(id))!);
    }

    private static async Task<Results<Created<QuarantineEntry>, ProblemHttpResult>> AddAsync(
        QuarantineRequest request, HttpContext context, PlantModel plant, ResponseEngine engine, CancellationToken cancellationToken)
    {
        var kinds = Enum.GetValues<QuarantineKind>();
        if (kinds.Where(k => ResponseStore.Name(k) == request.Kind).Select(k => (QuarantineKind?)k).FirstOrDefault() is not { } kind)
        {
            return Problems.BadRequest($"'kind' must be one of {string.Join(", ", kinds.Select(ResponseStore.Name))}, found '{request.Kind}'");
        }

        if ((TwinGuardApi.Check(request.Reason, "reason") ?? TwinGuardApi.Check(request.Target, "target", 200)) is { } problem)
        {
            return Problems.BadRequest(problem);
        }

        var target = request.Target.Trim();
        var wrong = kind switch
        {
            QuarantineKind.Source or QuarantineKind.Credentials when plant.FindDevice(target) is null => $"no device '{target}'",
            QuarantineKind.Asset or QuarantineKind.ReadOnly when plant.FindAsset(target) is null => $"no asset '{target}'",
            QuarantineKind.Signal when target.Split('/') is not [var a, var s] || plant.FindAsset(a)?.IndexOf(s) is null or < 0 => $"no signal '{target}' (asset/signal)",
            _ => null,
        };
        if (wrong is not null)
        {
            return Problems.BadRequest($"'target': {wrong}");
        }

        TimeSpan? expires = null;
        try
        {
            if (kind == QuarantineKind.Address)
            {
                target = NftRules.Normalize(target).Text;
                if (engine.Targets.Refusal(target) is { } unsafeTarget)
                {
                    return Problems.BadRequest($"'target': {unsafeTarget}");
                }
            }

            expires = request.Expires is { } text ? DurationText.Parse(text) : null;
        }
        catch (FormatException ex)
        {
            return Problems.BadRequest(ex.Message);
        }

        var entry = await engine.QuarantineAsync(kind, target, context.Key().Actor, request.Reason, expires, cancellationToken);
        return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/quarantines/{entry.Id}"), entry);
    }
}
