using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Testing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Mqtt;

/// <summary>The broker's side of containment (the respond stage's <c>disconnect: device</c>), against real MQTT clients.</summary>
public sealed class EmbeddedBrokerDisconnectTests
{
    private static readonly PlantModel Plant = new(
        new SiteModel("s", "s", "plant"),
        ValidationSettings.Default,
        DetectionSettings.Default,
        CorrelationSettings.Default,
        [new AssetModel("a", "a", "k", [], [new SignalModel("x", "u", 0, 1, 1, TimeSpan.FromSeconds(1), Criticality.Low)])],
        [
            new DeviceModel("plc", "plc", PasswordHash.Create("right", 1000), ["plant/a"]),
            new DeviceModel("other", "other", PasswordHash.Create("right", 1000), ["plant/a"]),
        ],
        []);

    [Fact]
    public async Task DisconnectDevice_Mqtt311Client_ConnectionEndsAndItsReconnectionIsRefused()
    {
        var (quarantine, metrics) = (new QuarantineList(), new PipelineMetrics());
        await using var broker = await StartAsync(quarantine, metrics);
        using var plc = await ConnectAsync(broker, "plc", MqttProtocolVersion.V311);
        using var other = await ConnectAsync(broker, "other", MqttProtocolVersion.V311);
        var dropped = Dropped(plc);

        quarantine.AddDevice("plc"); // as the respond stage does before it disconnects
        var count = await broker.DisconnectDeviceAsync("plc");

        Assert.Equal(1, count);
        await dropped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(plc.IsConnected);
        await other.PingAsync(); // the other device's connection is untouched
        using var again = new MqttClientFactory().CreateMqttClient();
        var answer = await again.ConnectAsync(Options(broker, "plc", MqttProtocolVersion.V311));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, answer.ResultCode);
        Assert.Equal(1, metrics.RefusalsOf(ReasonCode.Quarantined));
        Assert.Empty(await broker.EndpointsOfAsync("plc", CancellationToken.None));
    }

    [Fact]
    public async Task DisconnectDevice_Mqtt5Client_HearsNotAuthorizedBeforeItsConnectionEnds()
    {
        var quarantine = new QuarantineList();
        await using var broker = await StartAsync(quarantine, new PipelineMetrics());
        using var plc = await ConnectAsync(broker, "plc", MqttProtocolVersion.V500);
        var dropped = Dropped(plc);

        quarantine.AddDevice("plc");
        var count = await broker.DisconnectDeviceAsync("plc");

        Assert.Equal(1, count);
        var reason = await dropped.WaitAsync(TimeSpan.FromSeconds(10));
        // MQTT 5.0 §3.14.2.1: 0x87 not authorized, sent before the connection is cut (a DISCONNECT after the FIN is lost).
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, reason.Reason);
    }

    private static async Task<EmbeddedBroker> StartAsync(QuarantineList quarantine, PipelineMetrics metrics)
    {
        var gate = new ReadingGate(Plant, quarantine, new FloodGuard(Plant, TimeProvider.System), new EvidenceSink(metrics, TimeProvider.System), new RecordingInbox());
        var broker = new EmbeddedBroker(new BrokerOptions(IPAddress.Loopback, LoopbackPorts.Free()), gate, new DeviceAuthenticator(Plant), NullLogger<EmbeddedBroker>.Instance, TimeProvider.System);
        await broker.StartAsync();
        return broker;
    }

    private static async Task<IMqttClient> ConnectAsync(EmbeddedBroker broker, string device, MqttProtocolVersion version)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var answer = await client.ConnectAsync(Options(broker, device, version));
            Assert.Equal(MqttClientConnectResultCode.Success, answer.ResultCode);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static MqttClientOptions Options(EmbeddedBroker broker, string device, MqttProtocolVersion version) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", broker.Options.Port)
        .WithCredentials(device, "right")
        .WithClientId("test-" + device + "-" + Guid.NewGuid().ToString("N"))
        .WithProtocolVersion(version)
        .WithTimeout(TimeSpan.FromSeconds(10))
        .Build();

    private static Task<MqttClientDisconnectedEventArgs> Dropped(IMqttClient client)
    {
        var dropped = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e =>
        {
            dropped.TrySetResult(e);
            return Task.CompletedTask;
        };
        return dropped.Task;
    }
}
