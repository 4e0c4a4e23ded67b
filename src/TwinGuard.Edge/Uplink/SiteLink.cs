namespace TwinGuard.Edge.Uplink;

/// <summary>Where and how the edge reaches its site: the site's MQTT broker over TLS, with the edge's certificate.</summary>
/// <param name="Host">The site broker's host name or address (also the TLS target name).</param>
/// <param name="Port">Its mqtts port.</param>
/// <param name="CaFile">The site CA (pinned: the system's roots are not used).</param>
/// <param name="CertificateFile">The edge's client certificate (PEM).</param>
/// <param name="KeyFile">Its private key (PEM).</param>
/// <param name="WitnessKey">The site witness's verifier key: cosignatures of the edge's checkpoints are checked with it.</param>
internal sealed record SiteLink(string Host, int Port, string CaFile, string CertificateFile, string KeyFile, string? WitnessKey);
