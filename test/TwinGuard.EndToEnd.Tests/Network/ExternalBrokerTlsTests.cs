using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>TwinGuard joins an existing mosquitto over TLS: the broker's CA pinned, TwinGuard's own client certificate presented.</summary>
public sealed class ExternalBrokerTlsTests
{
    [Fact]
    public async Task Serve_ExternalMosquittoOverTls_ReceivesReadingsWithThePinnedCa()
    {
        using var pki = new SitePki([]);
        await using var mosquitto = await LockdownMosquitto.StartAsync(
            (pki.Site.CaCertificate, pki.Site.ServerCertificate, pki.Site.ServerKey), ("tank-gateway", "tank-secret"));
        var external = new ExternalBrokerOptions("127.0.0.1", mosquitto.TlsPort, LockdownMosquitto.AdminUser, LockdownMosquitto.AdminPassword)
        {
            // TwinGuard presents a certificate of the site CA (here conveyor-plc's: any client certificate the broker trusts).
            Tls = new ClientTls(pki.Site.CaCertificate, pki.Site.DeviceCertificate("conveyor-plc"), pki.Site.DeviceKey("conveyor-plc")),
        };
        await using var site = await ServedSite.StartAsync(external: external);

        var sent = await MosquittoPub.PublishAsync(mosquitto.Port, "tank-gateway", "tank-secret", "plant/tank1", $$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":1,"values":{"level":1.2,"fluid_temp":24.5}}""");

        Assert.Equal(0, sent.ExitCode);
        await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted, n => n >= 2, TimeSpan.FromSeconds(20), "the tank's readings through mosquitto over TLS");
        Assert.Contains($"on port {mosquitto.TlsPort}", mosquitto.Log, StringComparison.Ordinal); // TwinGuard came in through the TLS listener
    }

    [Fact]
    public async Task Serve_ExternalMosquittoWithAnotherCa_RefusesToJoin()
    {
        using var pki = new SitePki([]);
        await using var mosquitto = await LockdownMosquitto.StartAsync((pki.Site.CaCertificate, pki.Site.ServerCertificate, pki.Site.ServerKey));
        var external = new ExternalBrokerOptions("127.0.0.1", mosquitto.TlsPort, LockdownMosquitto.AdminUser, LockdownMosquitto.AdminPassword)
        {
            Tls = new ClientTls(pki.Foreign.CaCertificate, pki.Site.DeviceCertificate("conveyor-plc"), pki.Site.DeviceKey("conveyor-plc")),
        };

        var error = await Record.ExceptionAsync(async () => await (await ServedSite.StartAsync(external: external)).DisposeAsync());

        Assert.NotNull(error);
    }
}
