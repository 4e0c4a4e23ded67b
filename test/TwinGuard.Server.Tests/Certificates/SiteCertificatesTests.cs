using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TwinGuard.Server.Commands;

namespace TwinGuard.Server.Tests.Certificates;

/// <summary>The site CA of <c>twinguard certs</c> issues one tier of intermediates (RFC 5280 §4.2.1.9 path length 1), not two.</summary>
public sealed class SiteCertificatesTests
{
    [Fact]
    public void CreateAll_DeviceUnderAnIntermediate_ChainsToTheSiteCa()
    {
        using var temp = new TempDirectory();
        var site = new SiteCertificates(temp.Path, TimeProvider.System, TimeSpan.FromDays(365));
        site.CreateAll("line1", ["loop-plc"], [], [IPAddress.Loopback]);
        using var ca = X509Certificate2.CreateFromPemFile(site.CaCertificate, Path.Combine(temp.Path, "ca.key"));
        using var intermediate = Issue(ca, "CN=cell 1 CA", certificateAuthority: true, pathLength: 0, out var intermediateKey);
        using var device = Issue(intermediate.CopyWithPrivateKey(intermediateKey), "CN=pump-plc", certificateAuthority: false, pathLength: null, out _);

        Assert.True(Chains(device, ca, intermediate), "a device under an intermediate of the site CA should chain to it");
        intermediateKey.Dispose();
    }

    [Fact]
    public void CreateAll_DeviceTwoIntermediatesDown_DoesNotChain()
    {
        using var temp = new TempDirectory();
        var site = new SiteCertificates(temp.Path, TimeProvider.System, TimeSpan.FromDays(365));
        site.CreateAll("line1", ["loop-plc"], [], [IPAddress.Loopback]);
        using var ca = X509Certificate2.CreateFromPemFile(site.CaCertificate, Path.Combine(temp.Path, "ca.key"));
        using var first = Issue(ca, "CN=cell CA", certificateAuthority: true, pathLength: null, out var firstKey);
        using var second = Issue(first.CopyWithPrivateKey(firstKey), "CN=sub-cell CA", certificateAuthority: true, pathLength: null, out var secondKey);
        using var device = Issue(second.CopyWithPrivateKey(secondKey), "CN=pump-plc", certificateAuthority: false, pathLength: null, out _);

        Assert.False(Chains(device, ca, first, second), "the site CA allows one tier of intermediates, not two");
        firstKey.Dispose();
        secondKey.Dispose();
    }

    private static bool Chains(X509Certificate2 leaf, X509Certificate2 root, params X509Certificate2[] intermediates)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(root.RawData));
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, bool certificateAuthority, int? pathLength, out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority, pathLength is not null, pathLength ?? 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            certificateAuthority ? X509KeyUsageFlags.KeyCertSign : X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.Create(issuer, now.AddMinutes(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(12));
    }
}
