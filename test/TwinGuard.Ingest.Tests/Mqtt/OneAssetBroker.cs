using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Mqtt;

/// <summary>
/// The embedded broker on a free loopback port in front of a one-asset plant (asset <c>a</c>, signal <c>x</c> in
/// [0, 1] every second, topic <c>plant/a</c>), and the real MQTT clients its tests connect.
/// </summary>
/// <remarks>
/// Devices, all with the password <see cref="Password"/>: <c>plc</c> and <c>other</c> may publish to <c>plant/a</c>,
/// <c>gateway</c> to anything under <c>plant/</c>, <c>watcher</c> publishes nothing and may subscribe to <c>plant/a</c>.
/// </remarks>
internal sealed class OneAssetBroker : IAsyncDisposable
{
    /// <summary>Every device's password.</summary>
    public const string Password = "right";

    private OneAssetBroker(EmbeddedBroker broker, QuarantineList quarantine, PipelineMetrics metrics)
    {
        Broker = broker;
        Quarantine = quarantine;
        Metrics = metrics;
    }

    /// <summary>The plant every test of this fixture runs.</summary>
    public static PlantModel Plant { get; } = new(
        new SiteModel("s", "s", "plant"),
        ValidationSettings.Default,
        DetectionSettings.Default,
        CorrelationSettings.Default,
        [new AssetModel("a", "a", "k", [], [new SignalModel("x", "u", 0, 1, 1, TimeSpan.FromSeconds(1), Criticality.Low)])],
        [
            new DeviceModel("plc", "plc", PasswordHash.Create(Password, 1000), ["plant/a"]),
            new DeviceModel("other", "other", PasswordHash.Create(Password, 1000), ["plant/a"]),
            new DeviceModel("gateway", "gateway", PasswordHash.Create(Password, 1000), ["plant/#"]),
            new DeviceModel("watcher", "watcher", PasswordHash.Create(Password, 1000), []) { Subscribe = ["plant/a"] },
        ],
        []);

    /// <summary>The broker under test.</summary>
    public EmbeddedBroker Broker { get; }

    /// <summary>The gate's quarantine list, as the respond stage writes it.</summary>
    public QuarantineList Quarantine { get; }

    /// <summary>What the gate counted.</summary>
    public PipelineMetrics Metrics { get; }

    /// <summary>The port the broker listens on (127.0.0.1).</summary>
    public int Port => Broker.BoundListeners[0].EndPoint.Port;

    /// <summary>Starts a broker whose gate hands what it accepts to <paramref name="inbox"/> (a <see cref="RecordingInbox"/> when null).</summary>
    /// <param name="inbox">Where accepted readings go.</param>
    /// <param name="time">The gate's and the broker's clock; the system clock when null.</param>
    /// <param name="holdFlooders">As <see cref="BrokerOptions.HoldFlooders"/>.</param>
    public static async Task<OneAssetBroker> StartAsync(ITwinInbox? inbox = null, TimeProvider? time = null, bool holdFlooders = true)
    {
        time ??= TimeProvider.System;
        var (quarantine, metrics) = (new QuarantineList(), new PipelineMetrics());
        var gate = new ReadingGate(Plant, quarantine, new FloodGuard(Plant, time), new EvidenceSink(metrics, time), inbox ?? new RecordingInbox());
        var options = new BrokerOptions(IPAddress.Loopback, 0) { HoldFlooders = holdFlooders };
        var broker = new EmbeddedBroker(options, gate, new DeviceAuthenticator(Plant), NullLogger<EmbeddedBroker>.Instance, time);
        try
        {
            await broker.StartAsync();
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return new OneAssetBroker(broker, quarantine, metrics);
    }

    /// <summary>Connects <paramref name="device"/> with its password; fails the test unless the broker accepts it.</summary>
    public async Task<IMqttClient> ConnectAsync(string device, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var answer = await client.ConnectAsync(Options(device, version));
            Assert.Equal(MqttClientConnectResultCode.Success, answer.ResultCode);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The options <see cref="ConnectAsync"/> connects with: a fresh client id each time.</summary>
    public MqttClientOptions Options(string device, MqttProtocolVersion version) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", Port)
        .WithCredentials(device, Password)
        .WithClientId("test-" + device + "-" + Guid.NewGuid().ToString("N"))
        .WithProtocolVersion(version)
        .WithTimeout(TimeSpan.FromSeconds(10))
        .Build();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Broker.DisposeAsync();
}
