using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace TwinGuard.Ingest.Tests.Mqtt;

/// <summary>
/// What happens to an accepted reading after the gate: routed to subscribers only once a device was granted a
/// subscription, against real MQTT 5 clients.
/// </summary>
public sealed class EmbeddedBrokerRoutingTests
{
    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task Publish_NoSubscriptionGranted_AcceptedReadingIsAcknowledgedAsSuccess(MqttQualityOfServiceLevel qos)
    {
        var inbox = new RecordingInbox();
        await using var site = await OneAssetBroker.StartAsync(inbox);
        using var plc = await site.ConnectAsync("plc");

        var answer = await plc.PublishAsync(Reading(seq: 1, value: 0.5, qos));

        // MQTT 5.0 §3.4.2.1, §3.5.2.1: 0x00 success, and no reason string (RefusalAnswerTests: a refusal's answers).
        // Routed on to nobody, MQTTnet answered 0x10 "no matching subscribers" for a reading the gate had accepted.
        Assert.Equal(MqttClientPublishReasonCode.Success, answer.ReasonCode);
        Assert.Null(answer.ReasonString);
        Assert.Single(inbox.Delivered);
    }

    [Fact]
    public async Task Publish_AfterASubscriptionIsGranted_SubscriberReceivesOnlyTheAcceptedReading()
    {
        await using var site = await OneAssetBroker.StartAsync();
        using var watcher = await site.ConnectAsync("watcher");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        var subscribed = await watcher.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("plant/a", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);
        using var plc = await site.ConnectAsync("plc");

        await plc.PublishAsync(Reading(seq: 1, value: double.NaN)); // refused by the gate: never forwarded
        var accepted = Reading(seq: 2, value: 0.25);
        await plc.PublishAsync(accepted);

        Assert.Equal(Encoding.UTF8.GetString(accepted.Payload), await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static MqttApplicationMessage Reading(long seq, double value, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) => new MqttApplicationMessageBuilder()
        .WithTopic("plant/a")
        .WithQualityOfServiceLevel(qos)
        .WithPayload(double.IsNaN(value)
            ? $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"x":"not a number"}}"""
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"x":{{{value}}}}}"""))
        .Build();
}
