using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting.Cluster;

/// <summary>What a silo of a cluster adds to the single-node services (docs/cluster.md).</summary>
internal static class ClusterHosting
{
    /// <summary>
    /// The quarantine list shared with the other silos, and a broker whose disconnects reach them. Call after
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
        return services;
    }
}
