using TwinGuard.Server.Api;
using TwinGuard.Server.Dashboard;
using TwinGuard.Server.Hosting.Cluster;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Hosting;

/// <summary>Composes one TwinGuard process: Orleans silo, embedded broker, the data path and the web endpoints.</summary>
/// <remarks>Used by <c>serve</c>, <c>demo</c>, the benchmarks and the end-to-end tests, so they all run the same thing.</remarks>
internal static class TwinGuardHost
{
    public static WebApplication Build(HostSettings settings)
    {
        OwnerOnlyFiles.ApplyUmask();
        OwnerOnlyFiles.SecureDirectory(settings.DataDirectory);
        var builder = WebApplication.CreateSlimBuilder();
        var https = WebListeners.Configure(builder, settings);
        builder.Logging.AddStandardErrorConsole();

        // One node: the silo listens on loopback only, and no client gateway unless a port is given (the API runs in
        // the silo). With --cluster: the silo's endpoints and membership from cluster.yaml (SiloHosting).
        builder.UseOrleans(silo => SiloHosting.ConfigureSilo(silo, settings));

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddHostedService<LedgerClosingService>(); // first registered, last stopped: after every stage that writes to it
        services.AddClusterLedger(settings); // before the respond stage: its last actions still reach the cluster's ledger
        services.AddResponse(settings.Response, settings.DataDirectory, settings.Cluster?.Records);
        services.AddPipeline(settings);
        services.AddClusterServices(settings);
        services.AddEdges(settings);
        services.AddPeers(settings);
        services.AddModbus(settings.Plant);
        services.AddOpcUa(settings.Plant);
        services.AddIntel(settings);
        services.AddTwinGuardApi(settings);

        var app = builder.Build();
        if (https)
        {
            app.UseHsts();
        }

        app.MapGet("/health", (PipelineMetrics m, SiteHealth health) => health.Problems() is { Count: > 0 } problems
            ? Results.Json(new { status = "unhealthy", problems, messages = m.Messages, findings = m.Findings, incidents = m.Incidents }, statusCode: StatusCodes.Status503ServiceUnavailable)
            : health.Warnings() is { Count: > 0 } warnings
                ? Results.Ok(new { status = "degraded", warnings, messages = m.Messages, findings = m.Findings, incidents = m.Incidents })
                : Results.Ok(new { status = "ok", messages = m.Messages, findings = m.Findings, incidents = m.Incidents }));
        app.MapTwinGuardApi().MapDashboard().MapMetrics();
        return app;
    }
}
