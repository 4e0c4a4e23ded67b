namespace TwinGuard.Twins.Plant;

/// <summary>
/// <c>tls.silo</c>: mutual TLS between the Orleans silos of a cluster (and their clients), so that nobody without the
/// silo certificate can join the cluster or call a twin grain.
/// </summary>
/// <param name="CertificateFile">PEM certificate (leaf then chain) every silo presents, both as server and as client.</param>
/// <param name="KeyFile">Its PEM private key.</param>
/// <param name="CaFile">PEM certificate(s) of the CA a peer's certificate must chain to (no system roots).</param>
/// <param name="PeerSubject">
/// The subject a peer's certificate must have; null: the same subject as <paramref name="CertificateFile"/>'s
/// (a device certificate from the same CA is refused).
/// </param>
public sealed record SiloTlsSettings(string CertificateFile, string KeyFile, string CaFile, string? PeerSubject);
