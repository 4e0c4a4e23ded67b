namespace TwinGuard.Server.Bench;

/// <summary>One interleaved round of <c>bench tls</c>: readings/s plain and over TLS, and TLS connections/s, for TwinGuard and mosquitto.</summary>
internal sealed record TlsRound(double Plain, double Tls, double PeerPlain, double PeerTls, double Connections, double PeerConnections);
