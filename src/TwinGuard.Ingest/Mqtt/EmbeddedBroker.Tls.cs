using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using TwinGuard.Ingest.Listening;
using TwinGuard.Ingest.Mqtt.Tls;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>The broker's listeners (plain and TLS) and the CONNACK of a certificate refusal.</summary>
public sealed partial class EmbeddedBroker
{
    /// <summary>The sockets actually bound once started, with the ports the system picked for port 0.</summary>
    public IReadOnlyList<(Twins.Plant.ListenerModel Listener, System.Net.IPEndPoint EndPoint)> BoundListeners => _listeners.Bound;

    /// <summary>The server certificate of the mqtts listeners (reloaded on change), or null without TLS.</summary>
    public ServerCertificateSource? ServerCertificate { get; private set; }

    private MqttListenerAdapter CreateListeners(BrokerOptions options, ILogger logger, TimeProvider time)
    {
        if (options.Listeners.Any(l => l.IsTls))
        {
            var tls = options.Tls ?? throw new InvalidOperationException("an mqtts listener needs the plant model's tls section (server certificate and key)");
            ServerCertificate = new ServerCertificateSource(tls.CertificateFile, tls.KeyFile, logger);
        }

        return new MqttListenerAdapter(options.Listeners, ServerCertificate, logger, Admission, time);
    }

    /// <summary>
    /// MQTT 5.0 §3.2.2.2: 0x86 Bad User Name or Password for a wrong password or an unknown client, 0x87 Not authorized
    /// for a certificate that proves no device or is missing (MQTT 3.1.1 §3.2.2.3 maps them to return codes 4 and 5).
    /// </summary>
    private static MqttConnectReasonCode ConnackFor(ReasonCode refusal) => refusal switch
    {
        ReasonCode.CertificateRequired or ReasonCode.BadCertificate => MqttConnectReasonCode.NotAuthorized,
        _ => MqttConnectReasonCode.BadUserNameOrPassword,
    };
}
