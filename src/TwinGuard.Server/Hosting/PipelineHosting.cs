using TwinGuard.Ingest.Mqtt;
using TwinGuard.Ledger;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Twin;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Server.Hosting;

/// <summary>Registers the data path, stage by stage: ingest, gate, twins, correlate, record.</summary>
internal static class PipelineHosting
{
    /// <summary>
    /// Adds the transports (the embedded broker, or the client of an existing broker), the gate, the twins' dispatcher,
    /// the correlate and record stages with the site database and the ledger, and the <see cref="PipelineService"/>
    /// that starts and stops them in order. Register <see cref="ResponseHosting.AddResponse"/> before it.
    /// </summary>
    public static IServiceCollection AddPipeline(this IServiceCollection services, HostSettings settings)
    {
        services.AddSingleton(new PlantModelSource(settings.Plant)); // the model in force: a reload applies through it

        // Resolved anew each time: an API request gets the model in force; a singleton built at start keeps the start
        // model, which is right only for what a reload may not change (site.id, listeners).
        services.AddTransient(sp => sp.GetRequiredService<PlantModelSource>().Current);
        services.AddSingleton<PlantModelReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<PlantModelReloader>());
        services.AddSingleton(settings.Time);
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<EvidenceSink>();

        // Ingest and gate.
        services.AddSingleton<QuarantineList>();
        services.AddSingleton<FloodGuard>();
        services.AddSingleton<ReadingGate>();
        services.AddSingleton<DeviceAuthenticator>();
        services.AddSingleton(settings.Broker);
        services.AddSingleton<EmbeddedBroker>();
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

        // Validate, twin and detect run in the twins' grains.
        services.AddSingleton<DetectionSensitivity>();
        services.AddSingleton<DetectorTuning>();
        services.AddSingleton(_ => SequenceStore.Open(settings.DataDirectory));
        services.AddSingleton<LocalTwins>();
        services.AddSingleton<TwinGuard.Twins.Detect.AlarmLog>();
        services.AddSingleton<TwinDispatcher>();
        services.AddSingleton<ITwinInbox>(sp => sp.GetRequiredService<TwinDispatcher>());

        // Correlate and record.
        services.AddSingleton(new IncidentCorrelator(settings.Plant.Correlation));
        services.AddSingleton(new SuppressionList(settings.Time));
        services.AddSingleton(sp => new CorrelateStage(
            sp.GetRequiredService<EvidenceSink>(), sp.GetRequiredService<IncidentCorrelator>(), sp.GetRequiredService<RecordStage>(), sp.GetService<IntelAdapter>(),
            sp.GetRequiredService<SuppressionList>()));
        services.AddSingleton(_ => RecordStores.Open(settings));
        services.AddSingleton(sp => LedgerHosting.Open(settings, sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<LedgerWitnessingService>();
        services.AddSingleton<LedgerRecorder>();
        services.AddSingleton<RecordStage>();
        services.AddSingleton<SiteHealth>();

        services.AddHostedService<PipelineService>();
        services.AddSingleton<RetentionService>(); // after the pipeline: stopped before it closes the ledger
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        return services;
    }
}
