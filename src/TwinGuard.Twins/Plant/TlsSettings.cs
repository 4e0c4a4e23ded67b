namespace TwinGuard.Twins.Plant;

/// <summary>The <c>tls:</c> section: the server certificate of every TLS listener and how device certificates are trusted.</summary>
/// <param name="CertificateFile">PEM certificate (chain) of the server, as an absolute path.</param>
/// <param name="KeyFile">PEM private key of the server certificate, as an absolute path.</param>
/// <param name="ClientCaFile">
/// PEM certificate(s) of the CA that issues device certificates; a device declared by <c>subject</c> or <c>san</c>
/// must present a certificate that chains to it. Null: devices can only be declared by fingerprint.
/// </param>
/// <param name="RevokedFingerprints">SHA-256 fingerprints (upper-case hex, no separators) of certificates refused whatever else says.</param>
public sealed record TlsSettings(string CertificateFile, string KeyFile, string? ClientCaFile, IReadOnlySet<string> RevokedFingerprints)
{
    /// <summary>Mutual TLS between silos (<c>tls.silo</c>); null: the silo takes plain TCP (one node binds it to loopback).</summary>
    public SiloTlsSettings? Silo { get; init; }
}
