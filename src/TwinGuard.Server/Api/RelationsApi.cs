using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Server.Api;

/// <summary>
/// <c>/api/relations</c>: the physics the twins check, each relation's latest evaluation (state, measured and expected
/// value, residual against its tolerance), from its relation grain.
/// </summary>
internal static class RelationsApi
{
    public static RouteGroupBuilder MapRelationsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/relations").WithTags("plant").RequireAuthorization(AccessPolicies.Viewer);
        group.MapGet("/", List).WithSummary("Every relation's latest evaluation; ?asset=ID keeps the relations that read that asset");
        group.MapGet("/{relationId}", async Task<Results<Ok<RelationSnapshot>, ProblemHttpResult>> (string relationId, PlantModel plant, IGrainFactory grains) =>
                plant.Relations.Any(r => r.Id == relationId)
                    ? TypedResults.Ok(await grains.GetGrain<IRelationGrain>(relationId).GetSnapshotAsync())
                    : Problems.NotFound($"no relation '{relationId}'"))
            .WithSummary("One relation's latest evaluation");
        return api;
    }

    private static async Task<Results<Ok<RelationSnapshot[]>, ProblemHttpResult>> List(string? asset, PlantModel plant, IGrainFactory grains)
    {
        if (asset is not null && plant.FindAsset(asset) is null)
        {
            return Problems.NotFound($"no asset '{asset}'");
        }

        var snapshots = await Task.WhenAll(plant.Relations.Select(r => grains.GetGrain<IRelationGrain>(r.Id).GetSnapshotAsync()));
        return TypedResults.Ok(asset is null
            ? snapshots
            : snapshots.Where(s => s.Signals.Any(signal => signal.StartsWith(asset + ".", StringComparison.Ordinal))).ToArray());
    }
}
