using System.Text;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A device with a generated secret (<c>twinguard device-secret</c>) logs in to a real <c>twinguard serve</c> process
/// with <c>mosquitto_pub</c>; a wrong secret and a human password in its place are refused as a wrong password; neither
/// the secret nor its verifier appears in what serve prints or records.
/// </summary>
public sealed class GeneratedSecretEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-e2e-secret-").FullName;

    [Fact]
    public async Task Serve_GeneratedSecret_LogsInAndWrongOrHumanPasswordRefused_NeverPrintedOrRecorded()
    {
        var plant = await GeneratedSecretPlant.WriteAsync(_dir);
        var serve = await SiloProcess.StartServeAsync(
            (mqtt, urls) => ["--config", plant.PlantFile, "--data-dir", Path.Combine(_dir, "data"), "--mqtt-port", mqtt, "--urls", urls, "--ledger-key", Path.Combine(_dir, "ledger.key")],
            _dir,
            Path.Combine(_dir, "data"));
        try
        {
            using var client = new HttpClient();
            await Eventually.HoldsAsync(async () => serve.HasExited || await Healthy(client, serve.HttpPort), up => up, TimeSpan.FromSeconds(120), "serve to answer /health");
            Assert.False(serve.HasExited, "serve exited: " + serve.Output);

            var mqtt = serve.MqttPort;
            var accepted = await MosquittoPub.PublishAsync(mqtt, GeneratedSecretPlant.Device, plant.Secret, "plant/tank1", GeneratedSecretPlant.Reading(1, 1.2345));
            var wrong = await MosquittoPub.PublishAsync(mqtt, GeneratedSecretPlant.Device, DeviceSecret(), "plant/tank1", GeneratedSecretPlant.Reading(2, 1.0));
            var human = await MosquittoPub.PublishAsync(mqtt, GeneratedSecretPlant.Device, GeneratedSecretPlant.HumanPassword, "plant/tank1", GeneratedSecretPlant.Reading(3, 1.0));
            var humanV5 = await MosquittoPub.PublishAsync(mqtt, GeneratedSecretPlant.Device, GeneratedSecretPlant.HumanPassword, "plant/tank1", GeneratedSecretPlant.Reading(4, 1.0), version: "mqttv5");

            Assert.True(accepted.ExitCode == 0, "the generated secret: " + accepted.Error);
            // MQTT 3.1.1 §3.2.2.3 return code 4 and MQTT 5.0 §3.2.2.2 reason 0x86: bad user name or password.
            Assert.All([wrong, human, humanV5], refused =>
            {
                Assert.NotEqual(0, refused.ExitCode);
                Assert.Contains("bad user name or password", refused.Error, StringComparison.OrdinalIgnoreCase);
            });
        }
        finally
        {
            await serve.StopAsync(); // its output read to the end
            await serve.DisposeAsync();
        }

        var ledger = LedgerText(Path.Combine(_dir, "data", "ledger"));
        Assert.Contains("1.2345", ledger, StringComparison.Ordinal); // the reading the secret let in is in the ledger
        Assert.Contains("bad_credentials", ledger, StringComparison.Ordinal);
        AssertNoSecretIn(plant.Secrets, serve.Output, ledger);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp: harmless.
        }
    }

    /// <summary>Another generated secret: the right shape, not the device's.</summary>
    internal static string DeviceSecret() => Twins.Plant.DeviceSecretHash.Generate().Secret;

    /// <summary>Asserts that no secret appears in any of <paramref name="texts"/> (what was printed, the ledger).</summary>
    internal static void AssertNoSecretIn(IEnumerable<string> secrets, params string[] texts) =>
        Assert.All(secrets, secret => Assert.All(texts, text => Assert.DoesNotContain(secret, text, StringComparison.Ordinal)));

    /// <summary>Every ledger segment as text (entries are JSON): what was recorded.</summary>
    internal static string LedgerText(string ledger) =>
        string.Concat(Directory.GetFiles(ledger, "segment-*").Select(f => Encoding.UTF8.GetString(File.ReadAllBytes(f))));

    private static async Task<bool> Healthy(HttpClient client, int port)
    {
        try
        {
            return (await client.GetAsync(new Uri($"http://127.0.0.1:{port}/health"))).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
