using System.Net;

namespace TwinGuard.Edge.Devices;

/// <summary>The edge's <c>mqtts</c> listener for its devices, as the site's broker has one (<c>--listen-tls</c>).</summary>
/// <param name="Listen">Where devices connect over TLS.</param>
/// <param name="CertificateFile">The edge's server certificate (PEM), issued for the address devices connect to.</param>
/// <param name="KeyFile">Its private key (PEM).</param>
/// <param name="ClientCaFile">The CA that issues device certificates; null: the plant model's <c>tls.client_ca</c>.</param>
internal sealed record DeviceTls(IPEndPoint Listen, string CertificateFile, string KeyFile, string? ClientCaFile);
