using System.Net.Security;
using System.Security.Authentication;

namespace TwinGuard.Ingest.Mqtt.Tls;

/// <summary>The TLS versions and cipher suites of every TLS endpoint TwinGuard serves or connects to.</summary>
/// <remarks>
/// TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1); in 1.2 only ECDHE key exchange with AEAD ciphers (forward
/// secrecy, no CBC), the set of RFC 9325 §4.2; in 1.3 its three standard suites.
/// </remarks>
public static class TlsPolicy
{
    /// <summary>TLS 1.2 and TLS 1.3.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>The allowed suites (null where the platform cannot restrict them: it then applies its own defaults).</summary>
    public static CipherSuitesPolicy? CipherSuites { get; } = CreateCipherSuites();

    private static CipherSuitesPolicy? CreateCipherSuites()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }

        return new CipherSuitesPolicy(
        [
            TlsCipherSuite.TLS_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ]);
    }
}
