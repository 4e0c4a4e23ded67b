using MQTTnet;
using MQTTnet.Formatter;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Ingest.Tests.Mqtt;

/// <summary>The broker's side of containment (the respond stage's <c>disconnect: device</c>), against real MQTT clients.</summary>
public sealed class EmbeddedBrokerDisconnectTests
{
    [Fact]
    public async Task DisconnectDevice_Mqtt311Client_ConnectionEndsAndItsReconnectionIsRefused()
    {
        await using var site = await OneAssetBroker.StartAsync();
        using var plc = await site.ConnectAsync("plc", MqttProtocolVersion.V311);
        using var other = await site.ConnectAsync("other", MqttProtocolVersion.V311);
        var dropped = Dropped(plc);

        site.Quarantine.AddDevice("plc"); // as the respond stage does before it disconnects
        var count = await site.Broker.DisconnectDeviceAsync("plc");

        Assert.Equal(1, count);
        await dropped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(plc.IsConnected);
        await other.PingAsync(); // the other device's connection is untouched
        using var again = new MqttClientFactory().CreateMqttClient();
        var answer = await again.ConnectAsync(site.Options("plc", MqttProtocolVersion.V311));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, answer.ResultCode);
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.Quarantined));
        Assert.Empty(await site.Broker.EndpointsOfAsync("plc", CancellationToken.None));
    }

    [Fact]
    public async Task DisconnectDevice_Mqtt5Client_HearsNotAuthorizedBeforeItsConnectionEnds()
    {
        await using var site = await OneAssetBroker.StartAsync();
        using var plc = await site.ConnectAsync("plc", MqttProtocolVersion.V500);
        var dropped = Dropped(plc);

        site.Quarantine.AddDevice("plc");
        var count = await site.Broker.DisconnectDeviceAsync("plc");

        Assert.Equal(1, count);
        var reason = await dropped.WaitAsync(TimeSpan.FromSeconds(10));
        // MQTT 5.0 §3.14.2.1: 0x87 not authorized, sent before the connection is cut (a DISCONNECT after the FIN is lost).
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, reason.Reason);
    }

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
