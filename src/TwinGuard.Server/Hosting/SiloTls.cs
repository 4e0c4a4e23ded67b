using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Mutual TLS between Orleans silos and their clients (<c>tls.silo</c>, Microsoft.Orleans.Connections.Security): every
/// connection to a silo port or gateway presents the silo certificate and must receive one, so a local user or another
/// host of the plant network cannot join the cluster or call a twin grain.
/// </summary>
/// <remarks>
/// A peer is accepted when its certificate chains to <c>tls.silo.ca</c> alone (the system roots are not used), is within
/// its validity period on the pipeline's clock, is not in <c>tls.revoked</c>, and has the expected subject (by default the
/// local silo certificate's own subject): a device certificate issued by the same site CA is refused. TLS 1.2 and 1.3
/// only; a handshake must finish within <see cref="HandshakeTimeout"/>. Host names are not checked (silos reach each
/// other by address); the subject and the CA pin the identity instead.
/// </remarks>
internal static class SiloTls
{
    /// <summary>How long a silo waits for a peer's handshake.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Configures the silo's connections (silo-to-silo and gateway) when the plant model asks for it.</summary>
    public static void Configure(ISiloBuilder silo, TlsSettings? tls, TimeProvider time)
    {
        if (tls?.Silo is not { } settings)
        {
            return;
        }

        var certificate = LoadCertificate(settings);
        silo.UseTls(certificate, options => Apply(options, certificate, tls, settings, time));
    }

    /// <summary>Configures an Orleans client of a TLS cluster (the same certificate and checks).</summary>
    public static void Configure(IClientBuilder client, TlsSettings? tls, TimeProvider time)
    {
        if (tls?.Silo is not { } settings)
        {
            return;
        }

        var certificate = LoadCertificate(settings);
        client.UseTls(certificate, options => Apply(options, certificate, tls, settings, time));
    }

    /// <summary>Null when <paramref name="peer"/> may talk to this silo; else why not, in one line.</summary>
    public static string? Problem(X509Certificate2 peer, X509Certificate2Collection? sentChain, SiloTlsSettings settings, X509Certificate2 own, IReadOnlySet<string> revoked, TimeProvider time)
    {
        var subject = settings.PeerSubject is { } s ? new X500DistinguishedName(s) : own.SubjectName;
        if (!peer.SubjectName.RawData.AsSpan().SequenceEqual(subject.RawData)
            && !string.Equals(peer.SubjectName.Format(false), subject.Format(false), StringComparison.Ordinal))
        {
            return $"certificate '{peer.Subject}' is not a silo's ('{subject.Name}')";
        }

        if (revoked.Contains(DeviceCertificate.FingerprintOf(peer)))
        {
            return $"certificate '{peer.Subject}' is revoked";
        }

        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(settings.CaFile);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        foreach (var certificate in all)
        {
            (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? chain.ChainPolicy.CustomTrustStore : chain.ChainPolicy.ExtraStore).Add(certificate);
        }

        if (sentChain is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(sentChain);
        }

        return chain.Build(peer) ? null
            : $"certificate '{peer.Subject}' does not chain to tls.silo.ca within its validity: {string.Join("; ", chain.ChainStatus.Select(x => x.StatusInformation.Trim()))}";
    }

    private static void Apply(TlsOptions options, X509Certificate2 own, TlsSettings tls, SiloTlsSettings settings, TimeProvider time)
    {
        options.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13; // RFC 8996: no TLS 1.0/1.1
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.CheckCertificateRevocation = false; // tls.revoked, below: plant networks rarely reach a CRL
        options.HandshakeTimeout = HandshakeTimeout;
        options.RemoteCertificateValidation = (certificate, chain, _) =>
            certificate is not null && Problem(certificate, chain?.ChainPolicy.ExtraStore, settings, own, tls.RevokedFingerprints, time) is null;
    }

    private static X509Certificate2 LoadCertificate(SiloTlsSettings settings)
    {
        using var pem = X509Certificate2.CreateFromPemFile(settings.CertificateFile, settings.KeyFile);
        // An exportable PKCS#12 copy: SslStream on Linux needs the key in a form it can hand to OpenSSL for every handshake.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
