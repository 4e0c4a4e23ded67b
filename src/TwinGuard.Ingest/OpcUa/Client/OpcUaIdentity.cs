using System.Security.Cryptography.X509Certificates;

namespace TwinGuard.Ingest.OpcUa.Client;

/// <summary>
/// Who the client activates its session as (OPC 10000-4 §7.41): anonymous, a user name and password, or an X.509 user
/// certificate with its private key (§7.41.5; the key proves possession by signing the server's certificate and nonce).
/// </summary>
/// <param name="UserName">The user name; null for anonymous or a certificate.</param>
/// <param name="Password">The password; never logged or printed.</param>
/// <param name="Certificate">The user certificate with its RSA private key; null unless the identity is a certificate.</param>
public sealed record OpcUaIdentity(string? UserName, string? Password, X509Certificate2? Certificate = null)
{
    /// <summary>The anonymous identity.</summary>
    public static OpcUaIdentity Anonymous { get; } = new(null, null);

    /// <summary>An X.509 user identity.</summary>
    public static OpcUaIdentity FromCertificate(X509Certificate2 certificate) => new(null, null, certificate);

    /// <summary>Names the identity without its secret.</summary>
    public override string ToString() => Certificate is { } c ? $"user certificate '{c.Subject}'" : UserName is null ? "anonymous" : $"user '{UserName}'";
}
