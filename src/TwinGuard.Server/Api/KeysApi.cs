using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Server.Access;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/keys</c>: API keys (admins only). Making and revoking are recorded like every write.</summary>
internal static class KeysApi
{
    public static RouteGroupBuilder MapKeysApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/keys").WithTags("access").RequireAuthorization(AccessPolicies.Admin);
        group.MapGet("/", (bool? all, ApiKeyStore keys) => TypedResults.Ok(keys.List(all ?? false))).WithSummary("API keys (all=true: with revoked ones)");
        group.MapPost("/", Results<Created<NewApiKey>, ProblemHttpResult> (KeyRequest request, HttpContext context, ApiKeyStore keys, KeyAudit audit) =>
            {
                ApiRole role;
                NewApiKey made;
                try
                {
                    role = ApiRoles.Parse(request.Role);
                    if (context.Key().Site is { } scope && request.Site != scope)
                    {
                        // An admin of one site makes keys for that site only: never an unscoped key, nor another site's.
                        return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", $"this key may only make keys for site '{scope}'");
                    }

                    made = keys.Create(request.Name, role, request.Site, context.Key().Actor);
                }
                catch (FormatException ex)
                {
                    return Problems.BadRequest(ex.Message);
                }

                audit.RecordPending(); // in the ledger before the answer, with the key's creator as the actor
                return TypedResults.Created("/api/keys/" + made.Key.Id, made);
            }).WithSummary("Make a key; its token is in this answer only");
        group.MapDelete("/{id}", Results<Ok<ApiKey>, ProblemHttpResult> (string id, HttpContext context, ApiKeyStore keys, KeyAudit audit) =>
            {
                if (keys.Find(id) is not { } key)
                {
                    return Problems.NotFound($"no key '{id}'");
                }

                if (!keys.Revoke(id, context.Key().Actor))
                {
                    return Problems.Conflict($"key '{id}' was already revoked by {key.RevokedBy} at {key.Revoked:u}");
                }

                audit.RecordPending();
                return TypedResults.Ok(keys.Find(id)!);
            }).WithSummary("Revoke a key: its next request is refused");
        return api;
    }
}
