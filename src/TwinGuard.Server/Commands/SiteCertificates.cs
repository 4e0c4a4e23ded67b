using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Commands;

/// <summary>
/// The files of <c>twinguard certs</c>: <c>ca.crt</c>/<c>ca.key</c>, <c>server.crt</c>/<c>server.key</c>,
/// <c>silo.crt</c>/<c>silo.key</c> (mutual TLS between silos), <c>devices/ID.crt</c>/<c>ID.key</c>.
/// </summary>
internal sealed class SiteCertificates(string directory, TimeProvider time, TimeSpan validity)
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1"; // RFC 5280 §4.2.1.12 id-kp-serverAuth
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2"; // id-kp-clientAuth
    private const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Public = Secret | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public string CaCertificate => Path.Combine(directory, "ca.crt");

    public string ServerCertificate => Path.Combine(directory, "server.crt");

    public string ServerKey => Path.Combine(directory, "server.key");

    public string SiloCertificate => Path.Combine(directory, "silo.crt");

    public string SiloKey => Path.Combine(directory, "silo.key");

    /// <summary>The subject every silo certificate of a site carries (what <c>tls.silo</c> expects of a peer by default).</summary>
    public static string SiloSubject(string siteId) => $"CN=twinguard-silo, O={siteId}";

    public string DeviceCertificate(string id) => Path.Combine(directory, "devices", id + ".crt");

    public string DeviceKey(string id) => Path.Combine(directory, "devices", id + ".key");

    /// <summary>Creates what is missing; returns one line per file made or kept.</summary>
    public IReadOnlyList<string> CreateAll(string siteId, IReadOnlyList<string> deviceIds, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses)
    {
        var lines = new List<string>();
        CreateDirectory(directory);
        CreateDirectory(Path.Combine(directory, "devices"));
        var caKeyFile = Path.Combine(directory, "ca.key");
        if (!File.Exists(CaCertificate) || !File.Exists(caKeyFile))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN=TwinGuard site CA {siteId}, O={siteId}", key, HashAlgorithmName.SHA256);
            // RFC 5280 §4.2.1.9: a path length of 1 lets the site CA issue one tier of intermediates (a CA per cell or vendor), whose
            // own devices then chain to ca.crt; 0 forbade any.
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            var now = time.GetUtcNow();
            using var ca = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
            Write(caKeyFile, key.ExportPkcs8PrivateKeyPem(), Secret);
            Write(CaCertificate, ca.ExportCertificatePem(), Public);
            lines.Add($"made  {CaCertificate} (site CA, 10 years) and its key");
        }
        else
        {
            lines.Add($"kept  {CaCertificate}");
        }

        using var issuer = X509Certificate2.CreateFromPemFile(CaCertificate, caKeyFile);
        if (!File.Exists(ServerCertificate) || !File.Exists(ServerKey))
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames.Append("localhost").Distinct(StringComparer.OrdinalIgnoreCase))
            {
                san.AddDnsName(name);
            }

            foreach (var address in addresses.Append(IPAddress.Loopback).Append(IPAddress.IPv6Loopback).Distinct())
            {
                san.AddIpAddress(address);
            }

            var cn = dnsNames.FirstOrDefault() ?? "localhost";
            Issue(issuer, $"CN={cn}, O={siteId}", san.Build(), [ServerAuthentication], ServerCertificate, ServerKey);
            lines.Add($"made  {ServerCertificate} for {string.Join(", ", dnsNames.Append("localhost").Concat(addresses.Select(a => a.ToString())))}");
        }
        else
        {
            lines.Add($"kept  {ServerCertificate}");
        }

        if (!File.Exists(SiloCertificate) || !File.Exists(SiloKey))
        {
            // One identity for every silo of the site: each is a server to some peers and a client of others.
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName($"twinguard-silo.{siteId}");
            Issue(issuer, SiloSubject(siteId), san.Build(), [ServerAuthentication, ClientAuthentication], SiloCertificate, SiloKey);
            lines.Add($"made  {SiloCertificate} (silo-to-silo TLS)");
        }
        else
        {
            lines.Add($"kept  {SiloCertificate}");
        }

        foreach (var id in deviceIds)
        {
            if (File.Exists(DeviceCertificate(id)) && File.Exists(DeviceKey(id)))
            {
                lines.Add($"kept  {DeviceCertificate(id)}");
                continue;
            }

            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName($"{id}.{siteId}");
            Issue(issuer, DeviceSubject(siteId, id), san.Build(), [ClientAuthentication], DeviceCertificate(id), DeviceKey(id));
            lines.Add($"made  {DeviceCertificate(id)}");
        }

        return lines;
    }

    /// <summary>The subject of a device's certificate: what its <c>certificate: {subject: ...}</c> names.</summary>
    public static string DeviceSubject(string siteId, string deviceId) => $"CN={deviceId}, O={siteId}";

    /// <summary>The YAML to add to the plant model: the tls section, the listeners, and each device's certificate.</summary>
    public string PlantModelSnippet(string siteId, IEnumerable<string> deviceIds)
    {
        var text = new StringBuilder();
        text.AppendLine("# Add to the plant model (paths are relative to the plant model; these are absolute):");
        text.AppendLine("tls:");
        text.AppendLine($"  certificate: {ServerCertificate}");
        text.AppendLine($"  key: {ServerKey}");
        text.AppendLine($"  client_ca: {CaCertificate}");
        text.AppendLine("  revoked: []                # SHA-256 fingerprints of device certificates to refuse");
        text.AppendLine($"  silo: {{ certificate: {SiloCertificate}, key: {SiloKey} }}   # clustered: mutual TLS between silos (CA: client_ca)");
        text.AppendLine("listeners:");
        text.AppendLine($"  - {{ protocol: mqtts, address: any, port: 8883 }}");
        text.AppendLine($"  - {{ protocol: https, address: any, port: 8443 }}");
        text.AppendLine("# and to each device (its password_hash may stay: then it needs both):");
        foreach (var id in deviceIds)
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(DeviceCertificate(id)));
            text.AppendLine($"#   {id}: certificate: {{ subject: \"{DeviceSubject(siteId, id)}\" }}     # fingerprint {Twins.Plant.DeviceCertificate.FingerprintOf(certificate)}");
        }

        text.Append($"# Devices connect with: mosquitto_pub --cafile {CaCertificate} --cert {DeviceCertificate("ID")} --key {DeviceKey("ID")} -h HOST -p 8883 ...");
        return text.ToString();
    }

    private void Issue(X509Certificate2 issuer, string subject, X509Extension san, string[] usages, string certificateFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages.Select(u => new Oid(u))], false));
        request.CertificateExtensions.Add(san);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var now = time.GetUtcNow();
        var notAfter = now + validity < issuer.NotAfter ? now + validity : new DateTimeOffset(issuer.NotAfter.ToUniversalTime());
        using var certificate = request.Create(issuer, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));
        Write(keyFile, key.ExportPkcs8PrivateKeyPem(), Secret);
        Write(certificateFile, certificate.ExportCertificatePem(), Public);
    }

    private static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, Private);
        }
    }

    private static void Write(string path, string pem, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(pem);
            writer.Write('\n');
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode); // a file that existed keeps its mode through FileMode.Create
        }
    }
}
