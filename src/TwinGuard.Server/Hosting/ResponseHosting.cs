using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting;

/// <summary>Registers the respond stage.</summary>
internal static class ResponseHosting
{
    /// <summary>
    /// Adds the response plan, quarantine store, access restrictions, network enforcer, notifiers, report writer, the
    /// <see cref="ResponseEngine"/> and the service that starts it (register before the pipeline service that starts the
    /// broker, so that quarantines are restored before the first device connects). <see cref="PipelineHosting.AddPipeline"/> registers
    /// the <see cref="IBrokerEnforcement"/> it contains devices through.
    /// </summary>
    public static IServiceCollection AddResponse(this IServiceCollection services, ResponsePlan plan, string dataDirectory, RecordsConnection? records = null)
    {
        services.AddSingleton(plan);
        services.AddSingleton<AccessRestrictions>();
        services.AddSingleton(sp => RecordStores.OpenResponses(dataDirectory, records, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<INetworkEnforcer>(_ => plan.Network.Apply
            ? new NftablesEnforcer(plan.Network.Table, plan.Network.Namespace)
            : new DryRunNetworkEnforcer(plan.Network.Table));
        services.AddSingleton(new IncidentReportWriter(dataDirectory));
        services.AddSingleton(sp => Notifiers.Create(plan, dataDirectory, new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ContainmentEnforcer(
            sp.GetRequiredService<PlantModelSource>(),
            sp.GetRequiredService<QuarantineList>(),
            sp.GetRequiredService<AccessRestrictions>(),
            sp.GetRequiredService<IBrokerEnforcement>(),
            sp.GetRequiredService<INetworkEnforcer>(),
            sp.GetRequiredService<ResponseStore>(),
            sp.GetRequiredService<TimeProvider>(),
            new ContainmentTargets(plan.Network)));
        services.AddSingleton(sp => new IncidentCommunicator(
            plan,
            sp.GetRequiredService<PlantModel>(),
            sp.GetRequiredService<IReadOnlyList<INotifier>>(),
            sp.GetRequiredService<IncidentReportWriter>(),
            sp.GetRequiredService<ResponseStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<IncidentCommunicator>>()));
        services.AddSingleton(sp => new ResponseEngine(
            plan,
            sp.GetRequiredService<PlantModelSource>(),
            sp.GetRequiredService<ContainmentEnforcer>(),
            sp.GetRequiredService<IncidentCommunicator>(),
            sp.GetRequiredService<ResponseStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ResponseEngine>>(),
            sp.GetRequiredService<CorrelateStage>())
        {
            // Alone on its SQLite store a claim of anyone else is an earlier run's; on a cluster's shared store the
            // membership says which silo died holding one.
            Claims = records is null ? ApprovalClaims.Alone(sp.GetRequiredService<TimeProvider>()) : SiloApprovalClaims.For(sp),
        });
        if (plan.Forwarding.Count > 0)
        {
            services.AddSingleton(sp => new FindingForwarder(
                plan,
                sp.GetRequiredService<IReadOnlyList<INotifier>>(),
                sp.GetRequiredService<PlantModel>().Site.Id,
                Path.Combine(dataDirectory, "siem-queue"),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<FindingForwarder>>(),
                maxAge: sp.GetRequiredService<PlantModel>().Retention.ForwardQueueMaxAge));
        }

        services.AddHostedService<ResponseService>();
        return services;
    }
}
