using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TwinGuard.Ingest.OpcUa.Client;

/// <summary>
/// The client's application instance certificate (OPC 10000-4 §6.1.2): RSA 2048, SHA-256, its subject alternative name
/// carrying the application URI the client announces in CreateSession.
/// </summary>
public static class OpcUaClientCertificate
{
    /// <summary>The application URI of TwinGuard's OPC UA client.</summary>
    public const string ApplicationUri = "urn:twinguard:opcua-client";

    /// <summary>
    /// Loads the certificate kept at <paramref name="path"/> (PKCS#12), or creates one and keeps it there (owner-only),
    /// so that a server that trusts it once keeps trusting it; with no path, a new one for this process.
    /// </summary>
    public static X509Certificate2 LoadOrCreate(string? path, TimeProvider time)
    {
        if (path is not null && File.Exists(path))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.Exportable);
        }

        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=TwinGuard OPC UA client, O=TwinGuard", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(ApplicationUri));
        san.AddDnsName(Environment.MachineName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2"), new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
        var pfx = created.Export(X509ContentType.Pkcs12);
        if (path is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllBytes(path, pfx);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        return X509CertificateLoader.LoadPkcs12(pfx, null, X509KeyStorageFlags.Exportable);
    }
}
