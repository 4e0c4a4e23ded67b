using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Mqtt;

/// <summary>
/// What a device is told when its PUBLISH is refused (MQTT 5.0 §3.4.2.1 PUBACK, §3.5.2.1 PUBREC): why, never 0x00
/// Success (an accepted reading's: EmbeddedBrokerRoutingTests); MQTT 3.1.1, whose PUBACK has no reason code, as before.
/// Real MQTTnet clients and mosquitto_pub against the embedded broker.
/// </summary>
public sealed partial class RefusalAnswerTests
{
    [Fact]
    public void For_EveryReasonAndAFailedGate_RefusesWithAShortFixedString()
    {
        foreach (var reason in Enum.GetValues<ReasonCode>().Cast<ReasonCode?>().Append(null))
        {
            var answer = RefusalAnswer.For(reason);

            // MQTT 5.0 §3.4.2.1: below 0x80 the publication counts as accepted.
            Assert.True((int)answer.Code >= 0x80, $"{reason}: {answer.Code}");
            Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(answer.ReasonString), 1, RefusalAnswer.MaxReasonStringBytes);
            Assert.True(answer.ReasonString.All(char.IsAscii), answer.ReasonString);
        }
    }

    [Fact]
    public async Task Publish_TopicTheDeviceMayNotUse_AnsweredNotAuthorized()
    {
        await using var site = await OneAssetBroker.StartAsync();
        using var plc = await site.ConnectAsync("plc");

        var answer = await plc.PublishAsync(Message("plant/b", Reading(0.5)));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, answer.ReasonCode);
        Assert.Equal("not authorized", answer.ReasonString);
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.UnauthorisedTopic));
    }

    [Fact]
    public async Task Publish_AllowedTopicNamingNoAsset_AnsweredAsATopicNotAllowed()
    {
        await using var site = await OneAssetBroker.StartAsync();
        using var gateway = await site.ConnectAsync("gateway"); // may publish to plant/#
        using var plc = await site.ConnectAsync("plc"); // may publish to plant/a only

        var noAsset = await gateway.PublishAsync(Message("plant/nothing-here", Reading(0.5)));
        var notAllowed = await plc.PublishAsync(Message("plant/nothing-here", Reading(0.5)));

        // The same answer: a device cannot tell which topics name something by publishing to them.
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.UnknownAsset));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, noAsset.ReasonCode);
        Assert.Equal((notAllowed.ReasonCode, notAllowed.ReasonString), (noAsset.ReasonCode, noAsset.ReasonString));
    }

    [Fact]
    public async Task Publish_DeviceQuarantinedWhileConnected_AnsweredNotAuthorized()
    {
        await using var site = await OneAssetBroker.StartAsync();
        using var plc = await site.ConnectAsync("plc");
        site.Quarantine.AddDevice("plc"); // no disconnect: the quarantine alone refuses its next publish

        var answer = await plc.PublishAsync(Message("plant/a", Reading(0.5)));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, answer.ReasonCode);
        Assert.Equal("not authorized", answer.ReasonString); // not "quarantined": the answer does not say it was caught
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.Quarantined));
    }

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task Publish_PayloadNotAReading_AnsweredPayloadFormatInvalid(MqttQualityOfServiceLevel qos)
    {
        await using var site = await OneAssetBroker.StartAsync();
        using var plc = await site.ConnectAsync("plc");

        var answer = await plc.PublishAsync(Message("plant/a", "secret-looking payload, not JSON", qos));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, answer.ReasonCode);
        Assert.DoesNotContain("secret", answer.ReasonString ?? "", StringComparison.Ordinal); // (MQTTnet drops a PUBREC's string)
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.Malformed));
    }

    [Fact]
    public async Task Publish_ValueRefusedByValidation_AnsweredImplementationSpecificErrorNamingTheCheck()
    {
        await using var site = await OneAssetBroker.StartAsync();
        using var plc = await site.ConnectAsync("plc");

        var answer = await plc.PublishAsync(Message("plant/a", Reading("1e999"))); // infinity as a double

        Assert.Equal(MqttClientPublishReasonCode.ImplementationSpecificError, answer.ReasonCode);
        Assert.Equal("refused by validation: non_finite", answer.ReasonString);
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.NonFinite));
    }

    [Fact]
    public async Task Publish_FloodOfValidReadings_AnsweredQuotaExceeded()
    {
        // A clock that stands still: the flood guard's bucket never refills, so the flood is refused after its burst.
        await using var site = await OneAssetBroker.StartAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow), holdFlooders: false);
        using var plc = await site.ConnectAsync("plc");

        var answers = new List<MqttClientPublishResult>();
        for (var seq = 1; seq <= 1000 && (answers.Count == 0 || answers[^1].ReasonCode == MqttClientPublishReasonCode.Success); seq++)
        {
            answers.Add(await plc.PublishAsync(Message("plant/a", Reading(0.5, seq))));
        }

        Assert.True(answers.Count > 1, "the flood guard's burst accepts the first readings");
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, answers[^1].ReasonCode);
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.Flooding));
    }

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task Publish_LedgerCannotWrite_AnsweredUnspecifiedError(MqttQualityOfServiceLevel qos)
    {
        await using var site = await OneAssetBroker.StartAsync(new UnwritableLedgerInbox());
        using var plc = await site.ConnectAsync("plc");

        var answer = await plc.PublishAsync(Message("plant/a", Reading(0.5), qos));

        // 0x80, not a refusal's 0x83: the same message may be kept when sent again.
        Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, answer.ReasonCode);
        Assert.True(plc.IsConnected);
    }

    [Fact]
    public async Task Publish_Mqtt311RefusedReading_AcknowledgedAsBeforeAndCounted()
    {
        await using var site = await OneAssetBroker.StartAsync();
        using var plc = await site.ConnectAsync("plc", MqttProtocolVersion.V311);

        // MQTT 3.1.1 §3.4: a PUBACK has no reason code; the refusal is counted and recorded, the client acknowledged.
        var answer = await plc.PublishAsync(Message("plant/a", "not JSON"));

        Assert.Equal(MqttClientPublishReasonCode.Success, answer.ReasonCode);
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.Malformed));
        await plc.PingAsync(); // still connected
    }

    [Theory]
    [InlineData("plc", "plant/a", "{\"ts\":1764115200123,\"seq\":1,\"values\":{\"x\":0.5}}", 0x00)]
    [InlineData("plc", "plant/b", "{\"ts\":1764115200123,\"seq\":1,\"values\":{\"x\":0.5}}", 0x87)]
    [InlineData("gateway", "plant/nothing-here", "{\"ts\":1764115200123,\"seq\":1,\"values\":{\"x\":0.5}}", 0x87)]
    [InlineData("plc", "plant/a", "not JSON", 0x99)]
    [InlineData("plc", "plant/a", "{\"ts\":1764115200123,\"seq\":1,\"values\":{\"x\":1e999}}", 0x83)]
    public async Task Publish_MosquittoPubMqtt5_ReceivesTheReasonCode(string device, string topic, string payload, int expected)
    {
        await using var site = await OneAssetBroker.StartAsync();

        var (exit, output) = await MosquittoPubAsync(site.Port, "mqttv5", device, topic, payload);

        Assert.True(exit == 0, output);
        Assert.Equal(expected, PubAckCode(output));
    }

    [Fact]
    public async Task Publish_MosquittoPubMqtt5QuarantinedDevice_ReceivesNotAuthorized()
    {
        await using var site = await OneAssetBroker.StartAsync();
        site.Quarantine.AddAsset("a"); // the device itself would be refused at CONNECT

        var (exit, output) = await MosquittoPubAsync(site.Port, "mqttv5", "plc", "plant/a", "{\"ts\":1764115200123,\"seq\":1,\"values\":{\"x\":0.5}}");

        Assert.True(exit == 0, output);
        Assert.Equal(0x87, PubAckCode(output));
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.Quarantined));
    }

    [Fact]
    public async Task Publish_MosquittoPubMqtt311Refused_AcknowledgedAsBefore()
    {
        await using var site = await OneAssetBroker.StartAsync();

        var (exit, output) = await MosquittoPubAsync(site.Port, "mqttv311", "plc", "plant/a", "not JSON");

        Assert.True(exit == 0, output);
        Assert.Contains("received PUBACK", output, StringComparison.Ordinal);
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.Malformed));
    }

    private static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).Build();

    private static string Reading(double value, long seq = 1) => Reading(value.ToString(CultureInfo.InvariantCulture), seq);

    private static string Reading(string value, long seq = 1) =>
        $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"x":{{{value}}}}}""";

    /// <summary>Runs <c>mosquitto_pub -d -q 1</c> once; returns its exit code and everything it printed.</summary>
    private static async Task<(int Exit, string Output)> MosquittoPubAsync(int port, string version, string device, string topic, string payload)
    {
        var start = new ProcessStartInfo("mosquitto_pub") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", version, "-q", "1", "-d",
                     "-u", device, "-P", OneAssetBroker.Password, "-i", "test-" + device, "-t", topic, "-m", payload])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        return (process.ExitCode, await output + await error);
    }

    // mosquitto_pub -d: "Client ... received PUBACK (Mid: 1, RC:135)".
    private static int PubAckCode(string output) =>
        PubAck().Match(output) is { Success: true } match ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new Xunit.Sdk.XunitException("no PUBACK in: " + output);

    [GeneratedRegex(@"received PUBACK \(Mid: \d+, RC:(\d+)\)")]
    private static partial Regex PubAck();

    /// <summary>A twin side whose ledger cannot write: every wait for durability fails as on a full disk.</summary>
    private sealed class UnwritableLedgerInbox : ITwinInbox
    {
        public ValueTask<Task<TwinVerdict>> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept, bool alone = false) =>
            ValueTask.FromResult(kept ? Task.FromException<TwinVerdict>(new IOException("No space left on device")) : TwinVerdict.AcceptedTask);
    }
}
