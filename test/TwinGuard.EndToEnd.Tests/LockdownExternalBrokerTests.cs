using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>External broker mode against a real mosquitto 2: containment through the dynamic-security control topic.</summary>
public sealed class LockdownExternalBrokerTests
{
    [Fact]
    public async Task Serve_ExternalMosquitto_DisablesTheDeviceAndEnablesItOnRelease()
    {
        await using var mosquitto = await LockdownMosquitto.StartAsync(("tank-gateway", "tank-secret"), ("vibration-node", "vibration-secret"));
        var dataDir = Directory.CreateTempSubdirectory("twinguard-lockdown-external-").FullName;
        var external = new ExternalBrokerOptions("127.0.0.1", mosquitto.Port, LockdownMosquitto.AdminUser, LockdownMosquitto.AdminPassword);
        ServedSite site;
        try
        {
            site = await ServedSite.StartAsync(dataDirectory: dataDir, plan: LockdownEndToEndTests.Plan(), external: external);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(ex.Message + "\nmosquitto log:\n" + mosquitto.Log, ex);
        }

        await using var running = site;

        await using (var tank = LockdownDevice.Start(mosquitto.Port, "tank-gateway", "tank-secret", "plant/tank1"))
        {
            await tank.SendAsync($$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":1,"values":{"level":1.2,"fluid_temp":24.5}}""");
            await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted, n => n >= 2, TimeSpan.FromSeconds(20), "the tank's reading through mosquitto");
            await LockdownEndToEndTests.AttackAsync(tank);
            await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("tank-gateway"), q => q, TimeSpan.FromSeconds(20), "tank-gateway quarantined");

            // mosquitto itself kicks the running client, and its automatic reconnections (mosquitto_pub -l retries every
            // second) are refused: mosquitto's own log says so.
            await Eventually.HoldsAsync(() => mosquitto.Log, log => log.Contains("Client tank-gateway-lockdown been disconnected by administrative action", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), "mosquitto disconnecting tank-gateway-lockdown");
            await Eventually.HoldsAsync(() => mosquitto.Log, log => log[log.LastIndexOf("administrative action", StringComparison.Ordinal)..].Contains("not authorised", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), "mosquitto refusing the reconnection");
        }

        var refused = await MosquittoPub.PublishAsync(mosquitto.Port, "tank-gateway", "tank-secret", "plant/tank1", $$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":9,"values":{"level":1.2}}""");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("not authori", refused.Error, StringComparison.OrdinalIgnoreCase);

        var before = site.Metrics.ReadingsAccepted;
        Assert.Equal(0, (await MosquittoPub.PublishAsync(mosquitto.Port, "vibration-node", "vibration-secret", "plant/pump1/vibration", $$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":1,"value":0.2}""")).ExitCode);
        await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted, n => n > before, TimeSpan.FromSeconds(10), "the vibration node still flowing");

        Assert.True(await site.Engine.ReleaseAsync(QuarantineKind.Source, "tank-gateway", "carol", "gateway re-imaged"));
        var back = await MosquittoPub.PublishAsync(mosquitto.Port, "tank-gateway", "tank-secret", "plant/tank1", $$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":10,"values":{"level":1.2}}""");
        Assert.Equal(0, back.ExitCode);
    }
}
