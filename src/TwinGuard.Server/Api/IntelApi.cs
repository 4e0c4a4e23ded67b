using TwinGuard.Intel.Feeds;
using TwinGuard.Server.Access;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Api;

/// <summary><c>GET /api/intel</c>: threat-intelligence feeds and their last refresh.</summary>
internal static class IntelApi
{
    public static RouteGroupBuilder MapIntelApi(this RouteGroupBuilder api)
    {
        api.MapGet("/intel", (HostSettings settings) =>
            {
                var feeds = new FeedStore(Path.Combine(settings.DataDirectory, "intel")).List().Select(f => f.Status).ToList();
                return TypedResults.Ok(new IntelView(feeds.Sum(f => f.Indicators), feeds));
            })
            .RequireAuthorization(AccessPolicies.Viewer).WithTags("intel").WithSummary("Threat-intelligence feeds imported with `twinguard intel import`");
        return api;
    }
}
