using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Testing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Mqtt;

/// <summary>
/// What happens to an accepted reading after the gate: routed to subscribers only once a device was granted a
/// subscription, against real MQTT 5 clients.
/// </summary>
public sealed class EmbeddedBrokerRoutingTests
{
    private static readonly PlantModel Plant = new(
        new SiteModel("s", "s", "plant"),
        ValidationSettings.Default,
        DetectionSettings.Default,
        CorrelationSettings.Default,
        [new AssetModel("a", "a", "k", [], [new SignalModel("x", "u", 0, 1, 1, TimeSpan.FromSeconds(1), Criticality.Low)])],
        [
            new DeviceModel("plc", "plc", PasswordHash.Create("right", 1000), ["plant/a"]),
            new DeviceModel("watcher", "watcher", PasswordHash.Create("right", 1000), []) { Subscribe = ["plant/a"] },
        ],
        []);

    [Fact]
    public async Task Publish_NoSubscriptionGranted_AcceptedReadingIsAcknowledgedAsSuccess()
    {
        var inbox = new RecordingInbox();
        await using var broker = await StartAsync(inbox);
        using var plc = await ConnectAsync(broker, "plc");

        var answer = await plc.PublishAsync(Reading(seq: 1, value: 0.5));

        // MQTT 5.0 §3.4.2.1: 0x00 success. Routed on to nobody, MQTTnet answered 0x10 "no matching subscribers" for a
        // reading the gate had accepted.
        Assert.Equal(MqttClientPublishReasonCode.Success, answer.ReasonCode);
        Assert.Single(inbox.Delivered);
    }

    [Fact]
    public async Task Publish_AfterASubscriptionIsGranted_SubscriberReceivesOnlyTheAcceptedReading()
    {
        await using var broker = await StartAsync(new RecordingInbox());
        using var watcher = await ConnectAsync(broker, "watcher");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        var subscribed = await watcher.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("plant/a", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);
        using var plc = await ConnectAsync(broker, "plc");

        await plc.PublishAsync(Reading(seq: 1, value: double.NaN)); // refused by the gate: never forwarded
        var accepted = Reading(seq: 2, value: 0.25);
        await plc.PublishAsync(accepted);

        Assert.Equal(Encoding.UTF8.GetString(accepted.Payload), await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static MqttApplicationMessage Reading(long seq, double value) => new MqttApplicationMessageBuilder()
        .WithTopic("plant/a")
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithPayload(double.IsNaN(value)
            ? $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"x":"not a number"}}"""
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"x":{{{value}}}}}"""))
        .Build();

    private static async Task<EmbeddedBroker> StartAsync(RecordingInbox inbox)
    {
        var gate = new ReadingGate(Plant, new QuarantineList(), new FloodGuard(Plant, TimeProvider.System), new EvidenceSink(new PipelineMetrics(), TimeProvider.System), inbox);
        var broker = new EmbeddedBroker(new BrokerOptions(IPAddress.Loopback, LoopbackPorts.Free()), gate, new DeviceAuthenticator(Plant), NullLogger<EmbeddedBroker>.Instance, TimeProvider.System);
        await broker.StartAsync();
        return broker;
    }

    private static async Task<IMqttClient> ConnectAsync(EmbeddedBroker broker, string device)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var answer = await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", broker.Options.Port)
                .WithCredentials(device, "right")
                .WithClientId("test-" + device + "-" + Guid.NewGuid().ToString("N"))
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithTimeout(TimeSpan.FromSeconds(10))
                .Build());
            Assert.Equal(MqttClientConnectResultCode.Success, answer.ResultCode);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
