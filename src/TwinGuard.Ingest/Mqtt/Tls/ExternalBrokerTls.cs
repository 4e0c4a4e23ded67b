using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace TwinGuard.Ingest.Mqtt.Tls;

/// <summary>TLS from TwinGuard to an existing broker: TLS 1.2+, the broker's certificate checked against a pinned CA and its host name.</summary>
public static class ExternalBrokerTls
{
    /// <summary>The MQTTnet TLS options for <paramref name="options"/>.</summary>
    public static MqttClientTlsOptions Options(ExternalBrokerOptions options)
    {
        var builder = new MqttClientTlsOptionsBuilder();
        if (options.Tls is not { } tls)
        {
            return builder.UseTls(false).Build();
        }

        builder.UseTls()
            .WithTargetHost(options.Host)
            .WithSslProtocols(TlsPolicy.Protocols)
            .WithRevocationMode(X509RevocationMode.NoCheck)
            .WithAllowRenegotiation(false);
        if (tls.CaFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            builder.WithTrustChain(roots); // pinned: only this CA, not the system's roots
        }

        if (tls.CertificateFile is { } certificate && tls.KeyFile is { } key)
        {
            builder.WithClientCertificates([X509Certificate2.CreateFromPemFile(certificate, key)]);
        }

        return builder.Build();
    }
}
