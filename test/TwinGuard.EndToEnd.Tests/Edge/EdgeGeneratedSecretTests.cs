using TwinGuard.Server.Hosting;

namespace TwinGuard.EndToEnd.Tests.Edge;

/// <summary>
/// A device with a generated secret logs in to the Native AOT <c>twinguard-edge</c> with <c>mosquitto_pub</c>, as to the
/// site: accepted, its reading taken; a wrong secret and the human password in its place refused as a wrong password;
/// neither the secret nor its verifier in what the edge prints or records.
/// </summary>
public sealed class EdgeGeneratedSecretTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-e2e-edge-secret-").FullName;

    [Fact]
    public async Task Edge_GeneratedSecret_LogsInAndWrongOrHumanPasswordRefused_NeverPrinted()
    {
        var plant = await GeneratedSecretPlant.WriteAsync(_dir);
        var port = 0;
        await using var edge = await EdgeProcess.StartAsync(() =>
        [
            "run", "--edge-id", "edge1", "--config", plant.PlantFile, "--data-dir", Path.Combine(_dir, "edge"), "--listen", $"127.0.0.1:{port = LoopbackPorts.Free()}",
        ]);
        await edge.LineAsync(l => l.Contains("ready", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the edge to be ready");

        var wrong = await MosquittoPub.PublishAsync(port, GeneratedSecretPlant.Device, GeneratedSecretEndToEndTests.DeviceSecret(), "plant/tank1", GeneratedSecretPlant.Reading(1, 1.0));
        var human = await MosquittoPub.PublishAsync(port, GeneratedSecretPlant.Device, GeneratedSecretPlant.HumanPassword, "plant/tank1", GeneratedSecretPlant.Reading(2, 1.0), version: "mqttv5");
        var accepted = await MosquittoPub.PublishAsync(port, GeneratedSecretPlant.Device, plant.Secret, "plant/tank1", GeneratedSecretPlant.Reading(3, 1.2345));

        Assert.True(accepted.ExitCode == 0, "the generated secret: " + accepted.Error);
        Assert.All([wrong, human], refused =>
        {
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("bad user name or password", refused.Error, StringComparison.OrdinalIgnoreCase);
        });
        await edge.LineAsync(l => l.Contains("first reading accepted", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the reading accepted");
        await edge.StopAsync();
        var ledger = GeneratedSecretEndToEndTests.LedgerText(Path.Combine(_dir, "edge", "ledger"));
        Assert.Contains("bad_credentials", ledger, StringComparison.Ordinal); // the refusals are recorded, without what was sent
        GeneratedSecretEndToEndTests.AssertNoSecretIn(plant.Secrets, string.Join('\n', edge.Lines), ledger);
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
}
