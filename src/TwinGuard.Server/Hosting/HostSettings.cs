using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Server.Hosting;

/// <summary>Everything <see cref="TwinGuardHost"/> needs to run one site.</summary>
/// <param name="Plant">The plant model.</param>
/// <param name="DataDirectory">Where SQLite, the ledger and the quarantine store live.</param>
/// <param name="Broker">Where the embedded MQTT broker listens.</param>
/// <param name="Urls">Where the REST API and dashboard listen.</param>
/// <param name="SiloPort">Orleans silo-to-silo port.</param>
/// <param name="GatewayPort">Orleans client gateway port; 0 (the default): no gateway, as one node with its API inside the silo needs none.</param>
internal sealed partial record HostSettings(
    PlantModel Plant,
    string DataDirectory,
    BrokerOptions Broker,
    string Urls = "http://127.0.0.1:5080",
    int SiloPort = 11111,
    int GatewayPort = 0)
{
    /// <summary>The plant model file, recorded in the ledger at start; null when the model was built in code.</summary>
    public string? PlantSource { get; init; }

    /// <summary>The playbooks file, recorded in the ledger at start; null when there is none.</summary>
    public string? PlaybooksSource { get; init; }

    /// <summary>Suricata EVE JSON and Zeek conn.log files to follow for threat-intelligence matches.</summary>
    public IReadOnlyList<string> NetworkLogs { get; init; } = [];

    /// <summary>The clock of the whole pipeline.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Playbooks, notifiers and network enforcement (docs/playbooks.md); none by default.</summary>
    public ResponsePlan Response { get; init; } = ResponsePlan.Empty;

    /// <summary>When set, this process is one silo of a cluster (docs/cluster.md); null for the single-node default.</summary>
    public ClusterModel? Cluster { get; init; }

    /// <summary>How the twins persist their learned state.</summary>
    public TwinPersistence Persistence { get; init; } = TwinPersistence.Default;
    /// <summary>Where the ledger's signing key lives and where it is pinned; null: <see cref="LedgerKeyLocations.For"/> the data directory.</summary>
    public TwinGuard.Ledger.Checkpoints.LedgerKeyOptions? LedgerKey { get; init; }

    /// <summary>Witnesses that each new checkpoint is sent to for cosigning.</summary>
    public IReadOnlyList<TwinGuard.Ledger.Witnessing.WitnessEndpoint> Witnesses { get; init; } = [];

    /// <summary>The <c>http</c>/<c>https</c> listeners of the API and dashboard; null: <see cref="Urls"/> decides.</summary>
    public IReadOnlyList<ListenerModel>? WebListeners { get; init; }

    /// <summary>When set, TwinGuard joins this existing mosquitto instead of starting its embedded broker.</summary>
    public ExternalBrokerOptions? ExternalBroker { get; init; }
}
