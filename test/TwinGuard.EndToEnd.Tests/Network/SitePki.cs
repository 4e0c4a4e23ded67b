using System.Net;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Server.Commands;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>
/// The certificates of a TLS test site, made by <c>twinguard certs</c>'s own code: the site CA, the server certificate
/// and every device's, plus the bad ones a test presents: loop-plc's certificate expired (same CA), and one for
/// loop-plc from a CA the site does not trust.
/// </summary>
internal sealed class SitePki : IDisposable
{
    public SitePki(IReadOnlyList<IPAddress> serverAddresses)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("twinguard-pki-").FullName;
        // The CA is made 60 days ago with loop-plc's certificate valid for 1 day then (expired); the site reuses that CA.
        var expiredDir = Path.Combine(Directory, "expired");
        Expired = new SiteCertificates(expiredDir, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-60)), TimeSpan.FromDays(1));
        Expired.CreateAll("line1", ["loop-plc"], [], []);
        var siteDir = Path.Combine(Directory, "site");
        System.IO.Directory.CreateDirectory(siteDir);
        File.Copy(Expired.CaCertificate, Path.Combine(siteDir, "ca.crt"));
        File.Copy(Path.Combine(expiredDir, "ca.key"), Path.Combine(siteDir, "ca.key"));
        Site = new SiteCertificates(siteDir, TimeProvider.System, TimeSpan.FromDays(30));
        Site.CreateAll("line1", ["loop-plc", "tank-gateway", "vibration-node", "conveyor-plc"], [], serverAddresses);

        Foreign = new SiteCertificates(Path.Combine(Directory, "foreign"), TimeProvider.System, TimeSpan.FromDays(30));
        Foreign.CreateAll("line1", ["loop-plc"], [], []);
    }

    public string Directory { get; }

    public SiteCertificates Site { get; }

    public SiteCertificates Expired { get; }

    public SiteCertificates Foreign { get; }

    /// <summary>The SHA-256 fingerprint of a device's certificate in <paramref name="set"/>.</summary>
    public static string Fingerprint(SiteCertificates set, string device) =>
        Twins.Plant.DeviceCertificate.FingerprintOf(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(set.DeviceCertificate(device))));

    /// <summary>
    /// The sample plant with a tls section and <paramref name="listeners"/> (YAML list items): loop-plc proven by a
    /// certificate the site CA issues to its subject, tank-gateway by a pinned fingerprint, vibration-node by subject
    /// but revoked, conveyor-plc by password; no address restrictions (the devices are on another host).
    /// </summary>
    public string PlantYaml(string listeners)
    {
        var yaml = File.ReadAllText(ServedSite.SamplePlantPath).Replace("    addresses: [127.0.0.1]\n", string.Empty, StringComparison.Ordinal);
        yaml = ReplacePassword(yaml, "loop-plc", "certificate: { subject: \"CN=loop-plc, O=line1\" }");
        yaml = ReplacePassword(yaml, "tank-gateway", $"certificate: {{ fingerprint: \"{Fingerprint(Site, "tank-gateway")}\" }}");
        yaml = ReplacePassword(yaml, "vibration-node", "certificate: { subject: \"CN=vibration-node, O=line1\" }");
        var tls = $"""
            tls:
              certificate: {Site.ServerCertificate}
              key: {Site.ServerKey}
              client_ca: {Site.CaCertificate}
              revoked: ["{Fingerprint(Site, "vibration-node")}"]
            listeners:
            {listeners}
            devices:

            """;
        return yaml.Replace("devices:\n", tls, StringComparison.Ordinal);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static string ReplacePassword(string yaml, string device, string certificate)
    {
        var at = yaml.IndexOf($"  - id: {device}\n", StringComparison.Ordinal);
        var line = yaml.IndexOf("    password_hash:", at, StringComparison.Ordinal);
        var end = yaml.IndexOf('\n', line);
        return yaml[..line] + "    " + certificate + yaml[end..];
    }
}
