using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.DataProtection;
using TwinGuard.Server.Api;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting;

/// <summary>Registers the operator's side of a host: API keys, roles, rate limits, write recording and live events.</summary>
internal static class ApiHosting
{
    /// <summary>Adds key authentication, the role policies, per-key rate limiting, problem details, OpenAPI and the live event feed.</summary>
    public static IServiceCollection AddTwinGuardApi(this IServiceCollection services, HostSettings settings)
    {
        services.AddSingleton<AccessOptions>();
        services.AddSingleton(sp => ApiKeyStore.Open(RecordStores.OpenOperator(settings), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(_ => OperatorJournal.Open(RecordStores.OpenOperator(settings)));
        services.AddSingleton<VerdictLearning>();
        services.AddSingleton(sp => new WriteRecorder(
            RecordStores.OpenResponses(settings.DataDirectory, settings.Cluster?.Records, sp.GetRequiredService<TimeProvider>()), sp.GetRequiredService<LedgerRecorder>()));
        services.AddSingleton<KeyAudit>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyAudit>());
        services.AddSingleton<EventTickets>();
        services.AddSingleton<LiveEvents>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveEvents>());
        services.AddSingleton<PlantView>();
        services.AddSingleton<PlantRecords>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower)));

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AccessPolicies.Viewer, p => p.RequireAuthenticatedUser().AddRequirements(new RoleRequirement(ApiRole.Viewer)))
            .AddPolicy(AccessPolicies.Operator, p => p.RequireAuthenticatedUser().AddRequirements(new RoleRequirement(ApiRole.Operator)))
            .AddPolicy(AccessPolicies.Admin, p => p.RequireAuthenticatedUser().AddRequirements(new RoleRequirement(ApiRole.Admin)));
        services.AddSingleton<IAuthorizationHandler, RoleRequirementHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessResultHandler>();

        services.AddSingleton<RequestRateLimiter>();

        // Key material of ASP.NET Core's data protection stays in the data directory, not in the service account's home.
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(settings.DataDirectory, "data-protection")));
        services.AddLogging(b => b.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error));
        services.AddProblemDetails();
        services.AddOpenApi(o => o.AddDocumentTransformer<ApiKeySecurityTransformer>());
        return services;
    }

    /// <summary>Puts error handling, authentication, rate limiting and authorization into the pipeline, in that order.</summary>
    public static WebApplication UseOperatorAccess(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        var limiter = app.Services.GetRequiredService<RequestRateLimiter>();
        app.Use(limiter.InvokeAsync);
        app.UseAuthorization();
        return app;
    }
}
