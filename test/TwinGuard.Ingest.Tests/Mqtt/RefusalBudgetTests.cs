using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Ingest.Tests.Mqtt;

/// <summary>A connection that floods refused publishes (not JSON) is held past its budget, against a real MQTT client.</summary>
public sealed class RefusalBudgetTests
{
    private const int Sent = 60;

    [Fact]
    public async Task Publish_RefusedPastTheBudget_ConnectionHeldOthersReadNothingLost()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var site = await OneAssetBroker.StartAsync(time: clock);
        var metrics = site.Metrics;
        using var plc = await site.ConnectAsync("plc", MqttProtocolVersion.V311);
        using var other = await site.ConnectAsync("other", MqttProtocolVersion.V311);

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
}
