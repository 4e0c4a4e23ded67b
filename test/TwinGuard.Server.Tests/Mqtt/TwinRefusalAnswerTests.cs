using System.Globalization;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TwinGuard.Server.Tests.Api;

namespace TwinGuard.Server.Tests.Mqtt;

/// <summary>
/// A reading the gate lets through and the twin refuses (out of range, a replayed sequence) is answered with why in an
/// MQTT 5 PUBACK or PUBREC (MQTT 5.0 §3.4.2.1, §3.5.2.1), never 0x00 Success; MQTT 3.1.1 is acknowledged as before
/// (docs/readings.md, What a device is told). A real serve host (silo, twins, ledger), real MQTTnet and mosquitto_pub.
/// </summary>
public sealed class TwinRefusalAnswerTests
{
    private const string Device = "tank-gateway";
    private const string Password = "demo-tank-gateway";
    private const string Topic = "plant/tank1";

    [Fact]
    public async Task Publish_RefusedByTheTwin_AnsweredWithTheRefusalNotSuccess()
    {
        await using var site = new TwinGuardSiteFactory();
        _ = site.Services; // starts the site
        using var tank = await ConnectAsync(site.Settings.Broker.Port, MqttProtocolVersion.V500);

        // 3.5 m is outside the level's range [0, 2]: the gate passes it (a finite number), the twin refuses it. The first
        // batch of a twin not yet active here goes through the grain, the next ones to the twin in place.
        var outOfRange = await tank.PublishAsync(Message(Level(seq: 1, 3.5)));
        var accepted = await tank.PublishAsync(Message(Level(seq: 2, 1.0)));
        var replayed = await tank.PublishAsync(Message(Level(seq: 2, 1.0)));
        var outOfRangeAtQos2 = await tank.PublishAsync(Message(Level(seq: 3, -1), MqttQualityOfServiceLevel.ExactlyOnce));

        Assert.Equal((MqttClientPublishReasonCode.ImplementationSpecificError, "refused by validation: out_of_range"), (outOfRange.ReasonCode, outOfRange.ReasonString));
        Assert.Equal(MqttClientPublishReasonCode.Success, accepted.ReasonCode);

        // A replay is told it was refused, not by which check (it shares the answer of the message-wide checks).
        Assert.Equal((MqttClientPublishReasonCode.ImplementationSpecificError, "refused by validation"), (replayed.ReasonCode, replayed.ReasonString));
        Assert.Equal(MqttClientPublishReasonCode.ImplementationSpecificError, outOfRangeAtQos2.ReasonCode); // PUBREC: MQTTnet shows no string

        // MQTT 3.1.1 has no reason code in a PUBACK (§3.4): acknowledged as before, the refusal only recorded.
        using var old = await ConnectAsync(site.Settings.Broker.Port, MqttProtocolVersion.V311);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await old.PublishAsync(Message(Level(seq: 4, 3.5)))).ReasonCode);
    }

    [Fact]
    public async Task Publish_MosquittoPubMqtt5RefusedByTheTwin_ReadsTheRefusalCode()
    {
        await using var site = new TwinGuardSiteFactory();
        _ = site.Services;
        var port = site.Settings.Broker.Port;

        var accepted = await MosquittoPublisher.PublishOnceAsync(port, "mqttv5", Device, Password, Topic, Level(seq: 1, 1.0));
        var outOfRange = await MosquittoPublisher.PublishOnceAsync(port, "mqttv5", Device, Password, Topic, Level(seq: 2, 3.5));
        var replayed = await MosquittoPublisher.PublishOnceAsync(port, "mqttv5", Device, Password, Topic, Level(seq: 1, 1.0));
        var mqtt311 = await MosquittoPublisher.PublishOnceAsync(port, "mqttv311", Device, Password, Topic, Level(seq: 3, 3.5));

        Assert.Equal((0x00, 0x83, 0x83, 0x00), (accepted, outOfRange, replayed, mqtt311));
    }

    private static async Task<IMqttClient> ConnectAsync(int port, MqttProtocolVersion version)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithCredentials(Device, Password)
            .WithClientId("test-" + Guid.NewGuid().ToString("N"))
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        try
        {
            Assert.Equal(MqttClientConnectResultCode.Success, (await client.ConnectAsync(options)).ResultCode);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static MqttApplicationMessage Message(string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        new MqttApplicationMessageBuilder().WithTopic(Topic).WithPayload(payload).WithQualityOfServiceLevel(qos).Build();

    /// <summary>A reading of the tank's level alone, stamped now (the fluid temperature would be accepted beside it).</summary>
    private static string Level(long seq, double level) => string.Create(CultureInfo.InvariantCulture,
        $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"level":{{{level}}}}}""");
}
