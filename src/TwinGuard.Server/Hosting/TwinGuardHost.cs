using TwinGuard.Ingest.Mqtt;
using TwinGuard.Ledger;
using TwinGuard.Server.Access;
using TwinGuard.Server.Api;
using TwinGuard.Server.Dashboard;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Twin;

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
        services.AddSingleton(settings.Plant);
        services.AddSingleton(settings.Time);
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<EvidenceSink>();
        services.AddSingleton<QuarantineList>();
        services.AddSingleton<DetectionSensitivity>();
        services.AddSingleton<FloodGuard>();
        services.AddSingleton<TwinDispatcher>();
        services.AddSingleton<ITwinInbox>(sp => sp.GetRequiredService<TwinDispatcher>());
        services.AddSingleton<ReadingGate>();
        services.AddSingleton<DeviceAuthenticator>();
        services.AddSingleton(settings.Broker);
        services.AddSingleton<EmbeddedBroker>();
        services.AddSingleton(_ => PlantStore.Open(settings.DataDirectory));
        services.AddSingleton(new IncidentCorrelator(settings.Plant.Correlation));
        services.AddSingleton(_ => LedgerWriter.Open(Path.Combine(settings.DataDirectory, "ledger"), LedgerOptions.Default, settings.Time));
        services.AddSingleton<LedgerRecorder>();
        services.AddSingleton<RecordStage>();
        if (settings.ExternalBroker is { } external)
        {
            services.AddSingleton(external);
            services.AddSingleton<ExternalBroker>();
            services.AddSingleton<IBrokerEnforcement>(sp => sp.GetRequiredService<ExternalBroker>());
        }
        else
        {
            services.AddSingleton<IBrokerEnforcement>(sp => sp.GetRequiredService<EmbeddedBroker>());
        }

        services.AddResponse(settings.Response, settings.DataDirectory);
        services.AddHostedService<PipelineService>();
        services.AddModbus(settings.Plant);
        services.AddOpcUa(settings.Plant);
        if (settings.ExternalBroker is not null)
        {
            services.AddHostedService(sp => sp.GetRequiredService<ExternalBroker>());
        }

        services.AddSingleton<IntelBridge>();
        services.AddHostedService(sp => sp.GetRequiredService<IntelBridge>());
        services.AddOperatorAccess(settings);

        var app = builder.Build();
        if (app.Services.GetService<ResponseEngine>() is { } response)
        {
            var recorder = app.Services.GetRequiredService<LedgerRecorder>();
            response.ActionRecorded += action => recorder.RecordAction(action); // every action, approval and release
        }

        app.MapGet("/health", (PipelineMetrics m) => Results.Ok(new { status = "ok", messages = m.Messages, findings = m.Findings, incidents = m.Incidents }));
        app.MapTwinGuardApi().MapDashboard().MapMetrics();
        return app;
    }
}
