using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/cluster</c>: the silos of this site's cluster (one on a single node), as <c>twinguard cluster status</c> shows them.</summary>
internal static class ClusterApi
{
    /// <summary>The cluster id a single node reports.</summary>
    public const string SingleNode = "single-node";

    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder api)
    {
        api.MapGet("/cluster", async Task<Results<Ok<ClusterStatus>, ProblemHttpResult>> (HostSettings settings, IServiceProvider services) =>
            {
                if (services.GetService<IGrainFactory>() is not { } grains)
                {
                    return Problems.NotFound("this host runs no silo");
                }

                try
                {
                    return TypedResults.Ok(await ClusterStatusReader.ReadAsync(grains, settings.Cluster?.ClusterId ?? SingleNode));
                }
                catch (Exception ex) when (ex is TimeoutException or OrleansException)
                {
                    // A silo that died and is not yet declared dead rejects the management calls routed to it.
                    return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "the cluster did not answer", detail: ex.Message);
                }
            })
            .RequireAuthorization(AccessPolicies.Viewer).WithTags("cluster").WithSummary("The silos of the cluster: status, load, and the twins active on each");
        return api;
    }
}
