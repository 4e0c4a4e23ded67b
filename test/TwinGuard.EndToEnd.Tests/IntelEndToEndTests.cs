using TwinGuard.Server.Commands;
using TwinGuard.Twins.Findings;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A feed names an address a client connects from; the connection attempt, reported to the gate as every transport
/// reports it, becomes an intel finding. Loopback entries are dropped at import (they would match this host: #16), so
/// the connection is reported with the listed address the way the Modbus guard or a broker listener would report it.
/// </summary>
public sealed class IntelEndToEndTests
{
    [Fact]
    public async Task Serve_ClientFromListedAddress_RaisesIntelMatchForThatDevice()
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-intel-e2e-").FullName;
        var feed = Path.Combine(dataDir, "blocklist.csv");
        await File.WriteAllTextAsync(feed, "type,value,confidence,targets,comment\nip,203.0.113.7,90,kind:pump,test: a scanner\nip,127.0.0.1,90,kind:pump,never kept: it is this host\n");
        Assert.Equal(0, await TwinGuardCli.RunAsync(["intel", "import", feed, "--data-dir", dataDir]));

        await using var site = await ServedSite.StartAsync(dataDirectory: dataDir);

        // The feed names pumps as the campaign's target: the pump's detectors become more sensitive, the tank's do not.
        var sensitivity = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Twins.Detect.DetectionSensitivity>(site.App.Services);
        Assert.True(sensitivity.Of("pump1") > 1.5, $"pump1 sensitivity {sensitivity.Of("pump1")}");
        Assert.Equal(1.0, sensitivity.Of("tank1"));
        var gate = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Twins.Gate.ReadingGate>(site.App.Services);
        gate.ObserveConnection(new Twins.Gate.ConnectionAttempt("modbus", null, "modbus-client:203.0.113.7", System.Net.IPAddress.Parse("203.0.113.7"), "tank-gateway"));
        gate.ObserveConnection(new Twins.Gate.ConnectionAttempt("mqtt", "tank-gateway", "demo", System.Net.IPAddress.Loopback, "tank-gateway"));

        await Eventually.HoldsAsync(() => site.Metrics.FindingsOf(ReasonCode.IntelMatch), n => n >= 1, TimeSpan.FromSeconds(20), "an intel match");
        await Eventually.HoldsAsync(
            () => { using var s = site.OpenStore(); return s.Findings().FirstOrDefault(f => f.Reason == "intel_match"); },
            f => f is not null, TimeSpan.FromSeconds(10), "a stored intel finding");
        using var store = site.OpenStore();
        var match = store.Findings().First(f => f.Reason == "intel_match");
        Assert.Equal("tank-gateway", match.DeviceId);
        Assert.Contains("203.0.113.7", match.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(store.Findings(), f => f.Reason == "intel_match" && f.Message.Contains("127.0.0.1", StringComparison.Ordinal));
    }
}
