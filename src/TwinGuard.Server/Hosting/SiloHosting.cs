using System.Net;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// The Orleans silo of one TwinGuard process: alone on localhost with the twins' learned state in SQLite (the
/// default), or one silo of a cluster whose membership and grain state live in Redis (docs/cluster.md).
/// </summary>
internal static class SiloHosting
{
    /// <summary>The file of the twins' learned state in single-node mode, in the data directory.</summary>
    public const string StateFileName = "twins.db";

    public static void ConfigureSilo(ISiloBuilder silo, HostSettings settings)
    {
        SiloTls.Configure(silo, settings.Plant.Tls, settings.Time); // tls.silo: mutual TLS on the silo's connections
        if (settings.Cluster is not { } cluster)
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort);
            AddLocalTwinState(silo, settings.DataDirectory, settings.Persistence);
            return;
        }

        silo.Services.AddSingleton(settings.Persistence);
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
        silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(cluster.MembershipRedis));
        silo.ConfigureEndpoints(cluster.SiloAddress, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: cluster.SiloAddress.Equals(IPAddress.Any));
        silo.AddRedisGrainStorage(TwinPersistence.StorageName, options => options.Configure<IServiceProvider>((o, sp) =>
        {
            o.ConfigurationOptions = RedisOptions(cluster.StateRedis);
            o.GrainStorageSerializer = StateSerializer(sp);
        }));
        // A dead silo is declared dead by the others after a few missed probes; the defaults (10 s probes, 3 missed,
        // 2 votes) leave its twins unreachable for ~30 s. TwinGuard re-activates them sooner: a plant's security must
        // not wait half a minute (docs/cluster.md, failover).
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        });
    }

    /// <summary>The single-node twin state: <see cref="SqliteGrainStorage"/> in <paramref name="dataDirectory"/>.</summary>
    public static void AddLocalTwinState(ISiloBuilder silo, string dataDirectory, TwinPersistence persistence)
    {
        silo.Services.AddSingleton(persistence);
        var path = Path.Combine(dataDirectory, StateFileName);
        silo.Services.AddGrainStorage(TwinPersistence.StorageName, (sp, _) => new SqliteGrainStorage(path, StateSerializer(sp)));
    }

    /// <summary>Orleans' own binary serializer for persisted state: the <c>[GenerateSerializer]</c>/<c>[Id]</c> types are the format.</summary>
    private static OrleansGrainStorageSerializer StateSerializer(IServiceProvider services) => new(services.GetRequiredService<Serializer>());

    internal static ConfigurationOptions RedisOptions(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        // Keep retrying while Redis restarts instead of failing the silo's start.
        options.AbortOnConnectFail = false;
        return options;
    }
}
