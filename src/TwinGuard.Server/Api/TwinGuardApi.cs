using TwinGuard.Server.Access;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Api;

/// <summary>The REST API under <c>/api</c> and its OpenAPI document (docs/api.md).</summary>
internal static class TwinGuardApi
{
    /// <summary>Maps every endpoint group; each requires a key of the role it names.</summary>
    public static WebApplication MapTwinGuardApi(this WebApplication app)
    {
        app.UseOperatorAccess();
        var api = app.MapGroup("/api");
        api.MapMeApi();
        api.MapSitesApi();
        api.MapAssetsApi();
        api.MapRelationsApi();
        api.MapPlantApi();
        api.MapFindingsApi();
        api.MapIncidentsApi();
        api.MapQuarantinesApi();
        api.MapApprovalsApi();
        api.MapPlaybooksApi();
        api.MapIntelApi();
        api.MapPeersApi();
        api.MapLedgerApi();
        api.MapComplianceApi();
        api.MapKeysApi();
        api.MapSuppressionsApi();
        api.MapTuningsApi();
        api.MapEventsApi();
        api.MapClusterApi();
        api.MapFallback(() => Problems.NotFound("no such API endpoint (see /openapi/v1.json)"))
            .RequireAuthorization(AccessPolicies.Viewer).ExcludeFromDescription();
        app.MapOpenApi().RequireAuthorization(AccessPolicies.Viewer);
        return app;
    }

    /// <summary>A required text field: null when it is fine, else what is wrong with it.</summary>
    public static string? Check(string? value, string field, int max = 2000) =>
        string.IsNullOrWhiteSpace(value) ? $"'{field}' is required"
        : value.Length > max ? $"'{field}' is longer than {max} characters"
        : null;
}
