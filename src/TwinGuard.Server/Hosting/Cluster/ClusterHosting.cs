using StackExchange.Redis;
using TwinGuard.Ledger;
using TwinGuard.Twins.Cluster;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Server.Hosting.Cluster;

/// <summary>What a silo of a cluster adds to the single-node services (docs/cluster.md).</summary>
internal static class ClusterHosting
{
    /// <summary>
    /// The cluster's one ledger, when the cluster file names one: the sequencer's options (its grain may be activated on
    /// any silo) and this silo's appender. Call before <see cref="ResponseHosting.AddResponse"/> and
    /// <see cref="PipelineHosting.AddPipeline"/>, so that the appender stops after them (what they record while they stop
    /// still reaches the ledger).
    /// </summary>
    public static IServiceCollection AddClusterLedger(this IServiceCollection services, HostSettings settings)
    {
        if (settings.Cluster?.LedgerDirectory is not { } directory)
        {
            return services;
        }

        services.AddSingleton(new ClusterLedgerOptions(directory, LedgerOptions.Default with { Key = SharedKey(settings, directory) }));
        services.AddSingleton<ClusterLedgerAppender>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterLedgerAppender>());
        return services;
    }

    /// <summary>
    /// The key of the cluster's ledger, the same whichever silo its sequencer is activated on: a key or signer given to
    /// serve, else the default key of the shared directory (<see cref="LedgerKeyLocations.For"/> its path), never this
    /// silo's own data directory's key, which would not open the ledger another silo's sequencer began.
    /// </summary>
    internal static TwinGuard.Ledger.Checkpoints.LedgerKeyOptions SharedKey(HostSettings settings, string directory)
    {
        var shared = LedgerKeyLocations.For(directory);
        if (settings.LedgerKey is not { } given)
        {
            return shared;
        }

        var own = LedgerKeyLocations.For(Path.Combine(settings.DataDirectory, "ledger"));
        return given with
        {
            SigningKeyPath = given.SigningKeyPath == own.SigningKeyPath ? shared.SigningKeyPath : given.SigningKeyPath,
            PinPath = given.PinPath == own.PinPath ? shared.PinPath : given.PinPath,
        };
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
        // Sequence numbers in the cluster's Redis, not this silo's data directory: a twin re-activated on another silo
        // refuses a replay of what this one accepted and acknowledged (docs/cluster.md, replay protection).
        services.Remove(services.Last(d => d.ServiceType == typeof(SequenceStore)));
        services.AddSingleton(_ => new SequenceStore(new RedisSequenceTable(
            ConnectionMultiplexer.Connect(SiloHosting.RedisOptions(settings.Cluster.StateRedis)), settings.Cluster.ServiceId)));
        if (settings.Cluster.LedgerDirectory is not null)
        {
            services.Remove(services.Last(d => d.ServiceType == typeof(LedgerRecorder)));
            services.AddSingleton(sp => new LedgerRecorder(sp.GetRequiredService<LedgerWriter>(), sp.GetRequiredService<ClusterLedgerAppender>()));
        }

        return services;
    }
}
