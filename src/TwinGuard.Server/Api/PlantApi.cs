using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/plant</c>: the plant model in force and its reload (admins).</summary>
internal static class PlantApi
{
    public static RouteGroupBuilder MapPlantApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/plant").WithTags("plant");
        group.MapGet("/model", (PlantModelReloader reloader) => TypedResults.Ok(new PlantReload(reloader.Failure is null, reloader.Generation, reloader.Failure ?? "the file on disk is the model in force")))
            .RequireAuthorization(AccessPolicies.Viewer).WithSummary("The generation of the plant model in force and whether the file on disk is valid");
        group.MapPost("/reload", ReloadAsync)
            .RequireAuthorization(AccessPolicies.Admin).WithSummary("Read the plant model file now: applied when valid, refused with file:line:column when not (the running model stays)");
        return api;
    }

    private static async Task<Results<Ok<PlantReload>, UnprocessableEntity<PlantReload>>> ReloadAsync(PlantModelReloader reloader, CancellationToken cancellationToken)
    {
        var outcome = await reloader.ReloadAsync(cancellationToken);
        return outcome.Applied || reloader.Failure is null ? TypedResults.Ok(outcome) : TypedResults.UnprocessableEntity(outcome);
    }
}
