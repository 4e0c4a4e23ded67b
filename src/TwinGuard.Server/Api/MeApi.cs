using TwinGuard.Server.Access;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Api;

/// <summary><c>GET /api/me</c>: the key a request is made with.</summary>
internal static class MeApi
{
    public static RouteGroupBuilder MapMeApi(this RouteGroupBuilder api)
    {
        api.MapGet("/me", (HttpContext context, PlantModel plant) =>
        {
            var key = context.Key();
            return TypedResults.Ok(new MeView(key.Name, key.Id, key.Role, key.Site, plant.Site.Id));
        }).RequireAuthorization(AccessPolicies.Viewer).WithTags("access").WithSummary("The key this request is made with");
        return api;
    }
}
