using System.Globalization;
using TwinGuard.Twins.Findings;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>
/// Devices on another host of the plant network (a network namespace) reach the site over TLS with real clients:
/// <c>mosquitto_pub</c> with <c>--cafile</c>/<c>--cert</c>/<c>--key</c>, and <c>curl --cacert</c>.
/// </summary>
public sealed class TlsDeviceTests(TlsDeviceFixture fixture) : IClassFixture<TlsDeviceFixture>
{
    private static string Reading(string value, int seq) =>
        $$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"seq":{{seq}},"value":{{value}}}""";

    [PlantNetworkFact]
    public async Task MosquittoPub_GoodCertificateOverIPv4AndIPv6_IsAccepted()
    {
        var site = fixture.Site;
        var before = site.Metrics.ReadingsAccepted;
        var pki = fixture.Pki.Site;

        // loop-plc: a certificate the site CA issued to its subject; tank-gateway: a pinned fingerprint. No user name, no password.
        var v4 = await PublishAsync(fixture.Network.HostIPv4, pki, "loop-plc", null, "plant/pump1/speed", Reading("1500", 1));
        var v6 = await PublishAsync(fixture.Network.HostIPv6, pki, "loop-plc", null, "plant/pump1/speed", Reading("1510", 2));
        var pinned = await PublishAsync(fixture.Network.HostIPv6, pki, "tank-gateway", null, "plant/tank1/level", Reading("1.1", 1));

        Assert.True(v4.Code == 0, "IPv4: " + v4.Error);
        Assert.True(v6.Code == 0, "IPv6: " + v6.Error);
        Assert.True(pinned.Code == 0, "pinned: " + pinned.Error);
        await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted - before, n => n >= 3, TimeSpan.FromSeconds(20), "three accepted readings");
    }

    [PlantNetworkFact]
    public async Task MosquittoPub_UnknownExpiredRevokedOrOtherDevicesCertificate_IsRefusedWithItsReason()
    {
        var site = fixture.Site;
        var pki = fixture.Pki;
        var v4 = fixture.Network.HostIPv4;
        var badBefore = site.Metrics.RefusalsOf(ReasonCode.BadCertificate);
        var requiredBefore = site.Metrics.RefusalsOf(ReasonCode.CertificateRequired);

        var unknown = await PublishAsync(v4, pki.Foreign, "loop-plc", null, "plant/pump1/speed", Reading("1500", 10));
        var expired = await PublishAsync(fixture.Network.HostIPv6, pki.Expired, "loop-plc", null, "plant/pump1/speed", Reading("1500", 11));
        var revoked = await PublishAsync(v4, pki.Site, "vibration-node", null, "plant/pump1/vibration", Reading("0.2", 1));
        var othersCertificate = await PublishAsync(v4, pki.Site, "tank-gateway", "loop-plc", "plant/pump1/speed", Reading("1500", 12));
        var passwordOnly = await PublishAsync(v4, null, "loop-plc", "loop-plc", "plant/pump1/speed", Reading("1500", 13), password: "demo-loop-plc");

        Assert.All([unknown, expired, revoked, othersCertificate, passwordOnly], r => Assert.Contains("not authorised", r.Error, StringComparison.Ordinal));
        await Eventually.HoldsAsync(() => site.Metrics.RefusalsOf(ReasonCode.BadCertificate) - badBefore, n => n >= 4, TimeSpan.FromSeconds(20), "four bad certificates");
        Assert.Equal(4, site.Metrics.RefusalsOf(ReasonCode.BadCertificate) - badBefore);
        Assert.Equal(1, site.Metrics.RefusalsOf(ReasonCode.CertificateRequired) - requiredBefore);

        // Each refusal is counted (above); connection refusals are stored once per address and reason every 10 s (#16),
        // the later ones folded into the next stored one: from the IPv4 host the first bad certificate is kept with its
        // detail, the IPv6 one and the password-only one (another reason) too.
        var details = await Eventually.HoldsAsync(
            () => site.RefusalDetails().Where(d => d.Reason is "bad_certificate" or "certificate_required").ToList(), d => d.Count >= 3, TimeSpan.FromSeconds(20), "three stored refusals");
        Assert.Contains(details, d => d.Detail.Contains("names no device", StringComparison.Ordinal));
        Assert.Contains(details, d => d.Detail.Contains("expired on", StringComparison.Ordinal) && d.Detail.Contains("from [fd00:", StringComparison.Ordinal));
        Assert.Contains(details, d => d.Reason == "certificate_required" && d.Detail.Contains("'loop-plc'", StringComparison.Ordinal));
        Assert.DoesNotContain(details, d => d.Detail.Contains("is revoked", StringComparison.Ordinal)); // folded, not stored one by one
    }

    [PlantNetworkFact]
    public async Task Curl_HttpsFromThePlantNetworkWithTheSiteCa_AnswersWithHsts()
    {
        var headers = Path.Combine(fixture.Pki.Directory, "headers.txt");
        var (code, error) = await fixture.Network.ExecAsync(
            "curl", "-sS", "--fail", "--cacert", fixture.Pki.Site.CaCertificate, "-D", headers, "-o", "/dev/null",
            $"https://{fixture.Network.HostIPv4}:{fixture.HttpsPort.ToString(CultureInfo.InvariantCulture)}/health");

        Assert.True(code == 0, "curl: " + error);
        var text = await File.ReadAllTextAsync(headers);
        Assert.Contains("strict-transport-security: max-age=31536000", text, StringComparison.OrdinalIgnoreCase);

        // Without the site CA, curl refuses the server: the certificate is the site's, not a public one.
        var (untrusted, _) = await fixture.Network.ExecAsync("curl", "-sS", "-o", "/dev/null", $"https://{fixture.Network.HostIPv4}:{fixture.HttpsPort.ToString(CultureInfo.InvariantCulture)}/health");
        Assert.Equal(60, untrusted); // CURLE_PEER_FAILED_VERIFICATION
    }

    private Task<(int Code, string Error)> PublishAsync(
        string host, Server.Commands.SiteCertificates? set, string device, string? user, string topic, string message, string? password = null)
    {
        List<string> arguments =
        [
            "mosquitto_pub", "-h", host, "-p", fixture.MqttsPort.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1",
            "--cafile", fixture.Pki.Site.CaCertificate, "-t", topic, "-m", message,
        ];
        if (set is not null)
        {
            arguments.AddRange(["--cert", set.DeviceCertificate(device), "--key", set.DeviceKey(device)]);
        }

        if (user is not null)
        {
            arguments.AddRange(["-u", user]);
        }

        if (password is not null)
        {
            arguments.AddRange(["-P", password]);
        }

        return fixture.Network.ExecAsync([.. arguments]);
    }
}
