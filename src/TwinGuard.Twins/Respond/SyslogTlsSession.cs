using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace TwinGuard.Twins.Respond;

/// <summary>The client side of RFC 5425: TLS 1.2+ to the collector, its certificate checked against a pinned CA.</summary>
internal static class SyslogTlsSession
{
    /// <summary>Authenticates the collector on <paramref name="inner"/>; fails unless its certificate chains to the CA and names the host.</summary>
    public static async Task<SslStream> OpenAsync(Stream inner, string host, ClientTls tls, CancellationToken cancellationToken)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (tls.CaFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            options.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            options.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
        }

        if (tls.CertificateFile is { } certificate && tls.KeyFile is { } key)
        {
            options.ClientCertificates = [X509Certificate2.CreateFromPemFile(certificate, key)];
        }

        var stream = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await stream.AuthenticateAsClientAsync(options, cancellationToken);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }
}
