using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>The plant model file edited while serving: applied live when valid, refused with its position when not.</summary>
public sealed class PlantReloadTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("twinguard-e2e-reload-").FullName;
    private readonly string _file;
    private readonly string _original = File.ReadAllText(ServedSite.SamplePlantPath);

    public PlantReloadTests()
    {
        _file = Path.Combine(_directory, "plant.yaml");
        File.WriteAllText(_file, _original);
    }

    [Fact]
    public async Task Reload_RotatedPassword_OldRefusedNewAcceptedAndRecorded()
    {
        await using var site = await ServedSite.StartAsync(plantFile: _file);
        var reloader = site.App.Services.GetRequiredService<PlantModelReloader>();
        Assert.Equal(0, (await Publish(site, "demo-tank-gateway", 1, 1.0)).ExitCode);

        var rotated = PasswordHash.Create("rotated-tank-password", 1000).ToString();
        var current = PlantModelLoader.Load(_file).FindDevice("tank-gateway")!.PasswordHash!.ToString();
        var text = Replace(_original, current, rotated);
        WriteLikeAnEditor(text);
        await Eventually.HoldsAsync(() => reloader.SettledGeneration, g => g == 1, Deadline, "the edited file applied and the old sessions cut");

        var old = await Publish(site, "demo-tank-gateway", 2, 1.0);
        Assert.True(old.ExitCode != 0, "the old password still accepted after the rotation was applied");
        Assert.Contains("bad user name or password", old.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, (await Publish(site, "rotated-tank-password", 3, 1.0)).ExitCode);
        Assert.Null(reloader.Failure);

        await site.App.StopAsync();
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(_file)));
        Assert.True(LedgerText(site).Contains(digest, StringComparison.Ordinal), "the reloaded file's SHA-256 is in the ledger");
    }

    [Fact]
    public async Task Reload_PasswordReplacedByGeneratedSecretThenRotated_OnlyTheNewestOpens()
    {
        await using var site = await ServedSite.StartAsync(plantFile: _file);
        var reloader = site.App.Services.GetRequiredService<PlantModelReloader>();
        var current = PlantModelLoader.Load(_file).FindDevice("tank-gateway")!.PasswordHash!.ToString();
        var (first, firstHash) = DeviceSecretHash.Generate();
        var (second, secondHash) = DeviceSecretHash.Generate();

        // The human password's PBKDF2 hash gives way to a generated secret's verifier, then that secret is rotated.
        var withSecret = Replace(_original, $"password_hash: {current}", $"secret_hash: \"{firstHash}\"");
        WriteLikeAnEditor(withSecret);
        await Eventually.HoldsAsync(() => reloader.SettledGeneration, g => g == 1, Deadline, "the secret applied");
        var human = await Publish(site, "demo-tank-gateway", 1, 1.0);
        Assert.Equal(0, (await Publish(site, first, 2, 1.0)).ExitCode);

        WriteLikeAnEditor(Replace(withSecret, firstHash.ToString(), secondHash.ToString()));
        await Eventually.HoldsAsync(() => reloader.SettledGeneration, g => g == 2, Deadline, "the rotated secret applied");
        var old = await Publish(site, first, 3, 1.0);

        Assert.Contains("bad user name or password", human.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("bad user name or password", old.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, (await Publish(site, second, 4, 1.0)).ExitCode);
        Assert.Null(reloader.Failure);
        await site.App.StopAsync();
        var ledger = LedgerText(site);
        Assert.All([first, second, firstHash.ToString()[11..], secondHash.ToString()[11..]], secret => Assert.DoesNotContain(secret, ledger, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_WiderRange_ValueRefusedBeforeIsAcceptedAfter()
    {
        await using var site = await ServedSite.StartAsync(plantFile: _file);
        var reloader = site.App.Services.GetRequiredService<PlantModelReloader>();
        Assert.Equal(0, (await Publish(site, "demo-tank-gateway", 1, 3.0)).ExitCode);
        await Eventually.HoldsAsync(() => site.Metrics.RefusalsOf(ReasonCode.OutOfRange), n => n == 1, Deadline, "3 m refused: the range is [0, 2]");

        WriteLikeAnEditor(Replace(_original, "{ id: level,      unit: m,    range: [0, 2],", "{ id: level,      unit: m,    range: [0, 5],"));
        await Eventually.HoldsAsync(() => reloader.Generation, g => g == 1, Deadline, "the wider range applied");
        var accepted = site.Metrics.ReadingsAccepted;
        Assert.Equal(0, (await Publish(site, "demo-tank-gateway", 2, 3.0)).ExitCode);

        await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted, n => n == accepted + 1, Deadline, "3 m accepted under the new range");
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.OutOfRange));
    }

    [Fact]
    public async Task Reload_InvalidFile_KeepsRunningModelAndHealthSaysWhere()
    {
        await using var site = await ServedSite.StartAsync(plantFile: _file);
        var reloader = site.App.Services.GetRequiredService<PlantModelReloader>();
        var broken = Replace(_original, "{ id: level,      unit: m,    range: [0, 2],", "{ id: level,      unit: m,    range: [2, 0],");
        var line = broken[..broken.IndexOf("range: [2, 0]", StringComparison.Ordinal)].Count(c => c == '\n') + 1;

        WriteLikeAnEditor(broken);
        await Eventually.HoldsAsync(() => reloader.Failure, f => f is not null, Deadline, "the invalid file refused");

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"plant.yaml:{line}:"), reloader.Failure, StringComparison.Ordinal);
        Assert.Equal(0, reloader.Generation);
        using var http = new HttpClient();
        using var health = await http.GetAsync(new Uri(site.Settings.Urls + "/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode); // the site still keeps what it acknowledges
        using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        Assert.Equal("degraded", body.RootElement.GetProperty("status").GetString());
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"plant.yaml:{line}:"), body.RootElement.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);

        // The running model still holds: the old range refuses 3 m, and a fixed file is applied and clears the warning.
        Assert.Equal(0, (await Publish(site, "demo-tank-gateway", 1, 3.0)).ExitCode);
        await Eventually.HoldsAsync(() => site.Metrics.RefusalsOf(ReasonCode.OutOfRange), n => n == 1, Deadline, "the old range in force");
        WriteLikeAnEditor(Replace(_original, "{ id: level,      unit: m,    range: [0, 2],", "{ id: level,      unit: m,    range: [0, 4],"));
        await Eventually.HoldsAsync(() => reloader.Generation, g => g == 1, Deadline, "the fixed file applied");
        Assert.Null(reloader.Failure);
    }

    [Fact]
    public async Task Reload_ChangedListeners_RefusedAsRestartOnly()
    {
        await using var site = await ServedSite.StartAsync(plantFile: _file);
        var reloader = site.App.Services.GetRequiredService<PlantModelReloader>();

        WriteLikeAnEditor(_original + "\nlisteners:\n  - { protocol: mqtt, address: loopback, port: 18830 }\n");
        await Eventually.HoldsAsync(() => reloader.Failure, f => f is not null, Deadline, "the listeners change refused");

        Assert.Contains("listeners", reloader.Failure, StringComparison.Ordinal);
        Assert.Equal(0, reloader.Generation);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Replace(string text, string old, string replacement)
    {
        Assert.Contains(old, text, StringComparison.Ordinal);
        return text.Replace(old, replacement, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Error)> Publish(ServedSite site, string password, int seq, double level) =>
        MosquittoPub.PublishAsync(site.MqttPort, "tank-gateway", password, "plant/tank1",
            string.Create(CultureInfo.InvariantCulture, $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"level":{{{level}}}}}"""));

    private static string LedgerText(ServedSite site) => string.Concat(
        Directory.GetFiles(Path.Combine(site.Settings.DataDirectory, "ledger"), "segment-*").Select(f => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(f))));

    /// <summary>Writes a temporary file and renames it over the model, as editors and configuration tools do.</summary>
    private void WriteLikeAnEditor(string text)
    {
        var temporary = _file + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, _file, overwrite: true);
    }
}
