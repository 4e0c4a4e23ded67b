using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TwinGuard.Ingest.Tests.OpcUa;

/// <summary>Self-signed RSA 2048 user certificates for X.509 identity tokens (OPC 10000-4 §7.41.5).</summary>
internal static class UserCertificates
{
    public static X509Certificate2 Create(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, critical: true));
        var now = TimeProvider.System.GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }
}
