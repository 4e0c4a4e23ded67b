using TwinGuard.Ledger;
using TwinGuard.Twins.Cluster;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting.Cluster;

/// <summary>What a silo of a cluster adds to the single-node services (docs/cluster.md).</summary>
internal static class ClusterHosting
{
    /// <summary>
    /// The cluster's one ledger, when the cluster file names one: the sequencer's options (its grain may be activated on
    /// any silo) and this silo's appender. Call before <see cref="PipelineHosting.AddPipeline"/>, so that the appender
    /// stops after the pipeline (what the pipeline records while it stops still reaches the ledger).
    /// </summary>
    public static IServiceCollection AddClusterLedger(this IServiceCollection services, HostSettings settings)
    {
        if (settings.Cluster?.LedgerDirectory is not { } directory)
        {
            return services;
        }

        services.AddSingleton(new ClusterLedgerOptions(directory, LedgerOptions.Default with { Key = settings.LedgerKey ?? LedgerKeyLocations.For(directory) }));
        services.AddSingleton<ClusterLedgerAppender>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterLedgerAppender>());
        return services;
    }

    /// <summary>
    /// The quarantine list shared with the other silos, a broker whose disconnects reach them, and the recorder sending
    /// to the cluster's ledger when there is one. Call after
    /// <see cref="PipelineHosting.AddPipeline"/>; nothing when <paramref name="settings"/> names no cluster.
    /// </summary>
    public static IServiceCollection AddClusterServices(this IServiceCollection services, HostSettings settings)
    {
        if (settings.Cluster is null)
        {
            return services;
        }

        var local = services.Last(d => d.ServiceType == typeof(IBrokerEnforcement));
        services.Remove(local);
        services.AddSingleton(sp => new ClusterQuarantineService(
            sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<Twins.Gate.QuarantineList>(), (IBrokerEnforcement)local.ImplementationFactory!(sp),
            settings, sp.GetRequiredService<ILogger<ClusterQuarantineService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ClusterQuarantineService>());
        services.AddSingleton<IBrokerEnforcement>(sp => new ClusterBrokerEnforcement((IBrokerEnforcement)local.ImplementationFactory!(sp), sp.GetRequiredService<ClusterQuarantineService>()));
        if (settings.Cluster.LedgerDirectory is not null)
        {
            services.Remove(services.Last(d => d.ServiceType == typeof(LedgerRecorder)));
            services.AddSingleton(sp => new LedgerRecorder(sp.GetRequiredService<LedgerWriter>(), sp.GetRequiredService<ClusterLedgerAppender>()));
        }

        return services;
    }
}
