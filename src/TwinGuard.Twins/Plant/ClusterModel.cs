using System.Net;

namespace TwinGuard.Twins.Plant;

/// <summary>One silo's place in a TwinGuard cluster (<c>serve --cluster cluster.yaml</c>, docs/cluster.md).</summary>
/// <param name="ClusterId">Orleans' cluster id: silos with the same id and membership store form one cluster.</param>
/// <param name="ServiceId">Orleans' service id: persisted grain state is keyed by it, so keep it across redeployments.</param>
/// <param name="MembershipRedis">The Redis the membership table lives in (StackExchange.Redis configuration string).</param>
/// <param name="StateRedis">The Redis the twins' learned state lives in.</param>
/// <param name="SiloAddress">The address other silos reach this one at.</param>
/// <param name="SiloPort">Silo-to-silo port.</param>
/// <param name="GatewayPort">Client gateway port (<c>twinguard cluster status</c> connects there).</param>
/// <param name="SnapshotEvery">How often a twin writes its learned state while readings arrive.</param>
public sealed record ClusterModel(
    string ClusterId, string ServiceId, string MembershipRedis, string StateRedis, IPAddress SiloAddress, int SiloPort, int GatewayPort, TimeSpan SnapshotEvery)
{
    /// <summary>
    /// The cluster's one ledger, on storage every silo reaches (a shared file system), written by one sequencer grain;
    /// null: each silo keeps its own ledger in its data directory.
    /// </summary>
    public string? LedgerDirectory { get; init; }

    /// <summary>
    /// Where the silos keep findings, incidents and refusals, together (PostgreSQL); null: each silo in its own SQLite
    /// store in its data directory.
    /// </summary>
    public Record.RecordsConnection? Records { get; init; }

    /// <summary>False: the twins neither restore nor write their learned state (to measure what persistence costs).</summary>
    public bool PersistenceEnabled { get; init; } = true;
}
