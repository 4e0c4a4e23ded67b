using TwinGuard.Server.Api;
using TwinGuard.Server.Dashboard;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Hosting;

/// <summary>Composes one TwinGuard process: Orleans silo, embedded broker, the data path and the web endpoints.</summary>
/// <remarks>Used by <c>serve</c>, <c>demo</c>, the benchmarks and the end-to-end tests, so they all run the same thing.</remarks>
internal static class TwinGuardHost
{
    public static WebApplication Build(HostSettings settings)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(settings.Urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Orleans' watchdog warns about CPU starvation whenever a 2-core machine is busy; errors still show.
        builder.Logging.AddFilter("Orleans", LogLevel.Error);

        builder.UseOrleans(silo => silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort));

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddResponse(settings.Response, settings.DataDirectory);
        services.AddPipeline(settings);
        services.AddModbus(settings.Plant);
        services.AddIntel(settings);
        services.AddTwinGuardApi(settings);

        var app = builder.Build();
        app.MapGet("/health", (PipelineMetrics m, SiteHealth health) => health.Problems() is { Count: > 0 } problems
            ? Results.Json(new { status = "unhealthy", problems, messages = m.Messages, findings = m.Findings, incidents = m.Incidents }, statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Ok(new { status = "ok", messages = m.Messages, findings = m.Findings, incidents = m.Incidents }));
        app.MapTwinGuardApi().MapDashboard().MapMetrics();
        return app;
    }
}
