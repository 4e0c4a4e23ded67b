using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Share;

/// <summary>
/// The sample plant with two peers declared: <c>site-b</c> (indicators and incidents, no values) and <c>soc</c>
/// (incidents with values); each has a real Ed25519 key and a real CA certificate on disk.
/// </summary>
internal sealed class PeerFixture : IDisposable
{
    public PeerFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("twinguard-peers-").FullName;
        SiteB = WitnessSigningKey.LoadOrCreate(Path.Combine(Directory, "b.pem"), "twinguard.peer/site-b");
        Soc = WitnessSigningKey.LoadOrCreate(Path.Combine(Directory, "soc.pem"), "twinguard.peer/soc");
        Own = WitnessSigningKey.LoadOrCreate(Path.Combine(Directory, "own.pem"), "twinguard.peer/line1");
        var ca = Path.Combine(Directory, "ca.crt");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=peer CA", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            File.WriteAllText(ca, certificate.ExportCertificatePem());
        }

        var own = Path.Combine(Directory, "own.crt");
        File.WriteAllText(own, File.ReadAllText(ca));
        var yaml = SamplePlant.Text.Replace("devices:\n", $$"""
            sharing: { role: site, certificate: "{{own}}", key: "{{own}}" }
            devices:
              - id: site-b
                certificate: { subject: "CN=site-b, O=site-b" }
                topics: [peer/site-b/up]
                peer: { key: "{{SiteB.PublicKey.VerifierKey}}", ca: "{{ca}}", broker: "127.0.0.1:1", send: [indicators, incidents], block: true }
              - id: soc
                certificate: { subject: "CN=soc, O=soc" }
                topics: [peer/soc/up]
                peer: { key: "{{Soc.PublicKey.VerifierKey}}", ca: "{{ca}}", broker: "127.0.0.1:2", role: soc, send: [incidents], values: true }

            """, StringComparison.Ordinal);
        Plant = PlantModelLoader.Parse(yaml);
    }

    public string Directory { get; }

    public WitnessSigningKey SiteB { get; }

    public WitnessSigningKey Soc { get; }

    public WitnessSigningKey Own { get; }

    public PlantModel Plant { get; }

    public DeviceModel Peer(string id) => Plant.FindDevice(id)!;

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // the system cleans /tmp
        }
    }
}
