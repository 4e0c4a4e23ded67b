using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Mqtt;

/// <summary>A connection that floods refused publishes (not JSON) is held past its budget, against a real MQTT client.</summary>
public sealed class RefusalBudgetTests
{
    private const int Sent = 60;

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
    public async Task Publish_RefusedPastTheBudget_ConnectionHeldOthersReadNothingLost()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var metrics = new PipelineMetrics();
        var gate = new ReadingGate(Plant, new QuarantineList(), new FloodGuard(Plant, clock), new EvidenceSink(metrics, clock), new RecordingInbox());
        await using var broker = new EmbeddedBroker(new BrokerOptions(IPAddress.Loopback, LoopbackPorts.Free()), gate, new DeviceAuthenticator(Plant), NullLogger<EmbeddedBroker>.Instance, clock);
        await broker.StartAsync();
        using var plc = await ConnectAsync(broker, "plc");
        using var other = await ConnectAsync(broker, "other");

        for (var i = 0; i < Sent; i++)
        {
            await plc.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("plant/a").WithPayload("not json").Build());
        }

        // The budget's burst passes at full speed; the refusal past it is read, refused and counted, then the
        // connection is left unread while the clock stands still.
        var held = (int)RefusalBudget.Burst + 1;
        await Eventually.HoldsAsync(() => metrics.RefusalsOf(ReasonCode.Malformed), n => n >= held, TimeSpan.FromSeconds(30), "the burst refused");

        // Another connection is read meanwhile: its publish (to a topic it may not use) is refused and counted...
        await other.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("plant/b").WithPayload("{}").Build());
        await Eventually.HoldsAsync(() => metrics.RefusalsOf(ReasonCode.UnauthorisedTopic), n => n == 1, TimeSpan.FromSeconds(30), "the other device's refusal");

        // ...while the flooder's further publishes wait in its socket.
        Assert.Equal(held, metrics.RefusalsOf(ReasonCode.Malformed));

        // As the clock moves, the budget refills and every publish sent is read and counted: nothing is dropped.
        await Eventually.HoldsAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromMilliseconds(100));
                return metrics.RefusalsOf(ReasonCode.Malformed);
            },
            n => n == Sent,
            TimeSpan.FromSeconds(30),
            "every refused publish counted");
        Assert.True(plc.IsConnected);
    }

    private static async Task<IMqttClient> ConnectAsync(EmbeddedBroker broker, string device)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var answer = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.Options.Port)
            .WithCredentials(device, "right")
            .WithClientId("test-" + device + "-" + Guid.NewGuid().ToString("N"))
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, answer.ResultCode);
        return client;
    }
}
