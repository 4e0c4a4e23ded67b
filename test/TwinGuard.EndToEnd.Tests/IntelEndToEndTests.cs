using TwinGuard.Server.Commands;
using TwinGuard.Twins.Findings;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>A feed names the address an MQTT client connects from; the connection becomes an intel finding.</summary>
public sealed class IntelEndToEndTests
{
    [Fact]
    public async Task Serve_ClientFromListedAddress_RaisesIntelMatchForThatDevice()
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-intel-e2e-").FullName;
        var feed = Path.Combine(dataDir, "blocklist.csv");
        await File.WriteAllTextAsync(feed, "type,value,confidence,targets,comment\nip,127.0.0.1,90,kind:pump,test: every loopback client is listed\n");
        Assert.Equal(0, await TwinGuardCli.RunAsync(["intel", "import", feed, "--data-dir", dataDir]));

        await using var site = await ServedSite.StartAsync(dataDirectory: dataDir);

        // The feed names pumps as the campaign's target: the pump's detectors become more sensitive, the tank's do not.
        var sensitivity = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Twins.Detect.DetectionSensitivity>(site.App.Services);
        Assert.True(sensitivity.Of("pump1") > 1.5, $"pump1 sensitivity {sensitivity.Of("pump1")}");
        Assert.Equal(1.0, sensitivity.Of("tank1"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var published = await MosquittoPub.PublishAsync(site.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", $$$"""{"ts":{{{now}}},"seq":1,"values":{"level":1.0}}""");
        Assert.Equal(0, published.ExitCode);

        await Eventually.HoldsAsync(() => site.Metrics.FindingsOf(ReasonCode.IntelMatch), n => n >= 1, TimeSpan.FromSeconds(20), "an intel match");
        await Eventually.HoldsAsync(
            () => { using var s = site.OpenStore(); return s.Findings().FirstOrDefault(f => f.Reason == "intel_match"); },
            f => f is not null, TimeSpan.FromSeconds(10), "a stored intel finding");
        using var store = site.OpenStore();
        var match = store.Findings().First(f => f.Reason == "intel_match");
        Assert.Equal("tank-gateway", match.DeviceId);
        Assert.Contains("127.0.0.1", match.Message, StringComparison.Ordinal);
    }
}
