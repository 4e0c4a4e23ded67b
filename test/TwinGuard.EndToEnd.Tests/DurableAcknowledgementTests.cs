using System.Text;
using TwinGuard.Ledger;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A QoS 1 PUBACK means the reading is in the ledger on disk: each <c>mosquitto_pub -q 1</c> exits only after its
/// PUBACK, and the reading must be readable from the ledger files at that moment, without waiting or stopping the site.
/// </summary>
public sealed class DurableAcknowledgementTests
{
    private static string Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task Publish_Qos1Acknowledged_ReadingIsAlreadyInTheLedgerOnDisk(string version)
    {
        await using var site = await ServedSite.StartAsync();
        var ledgerDir = Path.Combine(site.Settings.DataDirectory, "ledger");
        for (var seq = 1; seq <= 5; seq++)
        {
            var marker = $"\"seq\":{seq},";
            var (exitCode, error) = await MosquittoPub.PublishAsync(site.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1",
                $$$"""{"ts":{{{Now()}}},"seq":{{{seq}}},"values":{"level":1.{{{seq}}}}}""", version: version);
            Assert.True(exitCode == 0, error);

            // Read at once, from the files: acknowledged means written (and fsync'ed) already.
            using var reader = LedgerReader.Open(ledgerDir);
            var entries = reader.ReadEntries(0, (int)reader.CountEntries());
            Assert.Contains(entries, e => e.Kind == LedgerEntryKind.ReadingBatch
                && Encoding.UTF8.GetString(e.Payload.Span).Contains(marker, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Serve_ReplayAfterRestart_IsStillRefused()
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-e2e-replay-").FullName;
        try
        {
            await using (var first = await ServedSite.StartAsync(dataDirectory: dataDir))
            {
                var accepted = await MosquittoPub.PublishAsync(first.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1",
                    $$$"""{"ts":{{{Now()}}},"seq":400,"values":{"level":1.2}}""");
                Assert.True(accepted.ExitCode == 0, accepted.Error);
                await Eventually.HoldsAsync(() => first.Metrics.ReadingsAccepted, n => n >= 1, TimeSpan.FromSeconds(20), "the reading accepted");
            }

            await using var second = await ServedSite.StartAsync(dataDirectory: dataDir);
            await MosquittoPub.PublishAsync(second.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1",
                $$$"""{"ts":{{{Now()}}},"seq":380,"values":{"level":1.2}}""");

            await Eventually.HoldsAsync(() => second.Metrics.RefusalsOf(Twins.Findings.ReasonCode.ReplayedSequence), n => n == 1,
                TimeSpan.FromSeconds(20), "the replay refused after the restart");
            Assert.Equal(0, second.Metrics.ReadingsAccepted);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Connect_WrongPasswordWithoutClientId_RefusedWithBadUserNameOrPassword()
    {
        await using var site = await ServedSite.StartAsync();

        // mosquitto_pub sends no client id over MQTT 3.1.1; the refusal must still say why (return code 4, not 2).
        var (exitCode, error) = await MosquittoPub.PublishAsync(site.MqttPort, "tank-gateway", "not-the-password", "plant/tank1", "{}");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("bad user name or password", error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("identifier rejected", error, StringComparison.OrdinalIgnoreCase);
    }
}
