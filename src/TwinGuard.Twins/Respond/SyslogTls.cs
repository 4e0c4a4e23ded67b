namespace TwinGuard.Twins.Respond;

/// <summary>TLS to a syslog collector (RFC 5425): the CA its certificate must chain to, and TwinGuard's client certificate if it asks for one.</summary>
/// <param name="CaFile">PEM CA certificate(s) pinned for the collector; null: the system's trusted roots.</param>
/// <param name="CertificateFile">PEM client certificate, when the collector authenticates its senders; else null.</param>
/// <param name="KeyFile">PEM private key of <paramref name="CertificateFile"/>.</param>
public sealed record SyslogTls(string? CaFile, string? CertificateFile, string? KeyFile);
