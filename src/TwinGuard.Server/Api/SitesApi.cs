using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/sites</c>: the site this process serves and its assets' states at a glance.</summary>
internal static class SitesApi
{
    public static RouteGroupBuilder MapSitesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/sites").WithTags("plant").RequireAuthorization(AccessPolicies.Viewer);
        group.MapGet("/", async (PlantView view) => TypedResults.Ok(new[] { view.Site(await view.AssetsAsync()) }))
            .WithSummary("Sites (one per process) with counts of assets by state");
        group.MapGet("/{siteId}", async Task<Results<Ok<SiteView>, ProblemHttpResult>> (string siteId, PlantView view) =>
                siteId == view.Plant.Site.Id ? TypedResults.Ok(view.Site(await view.AssetsAsync())) : Problems.NotFound($"no site '{siteId}' here"))
            .WithSummary("One site");
        return api;
    }
}
