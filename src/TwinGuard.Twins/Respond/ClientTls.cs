namespace TwinGuard.Twins.Respond;

/// <summary>TLS from TwinGuard to a server (a syslog collector, RFC 5425; an external MQTT broker): the CA pinned for its certificate, and TwinGuard's client certificate if it asks for one.</summary>
/// <param name="CaFile">PEM CA certificate(s) pinned for the collector; null: the system's trusted roots.</param>
/// <param name="CertificateFile">PEM client certificate, when the collector authenticates its senders; else null.</param>
/// <param name="KeyFile">PEM private key of <paramref name="CertificateFile"/>.</param>
public sealed record ClientTls(string? CaFile, string? CertificateFile, string? KeyFile);
