using System.Net;
using TwinGuard.Ingest.Mqtt.PreLogin;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>Where the embedded MQTT broker listens.</summary>
/// <param name="Address">Listening address of the plain listener when <see cref="Listeners"/> is not set.</param>
/// <param name="Port">Its port.</param>
public sealed record BrokerOptions(IPAddress Address, int Port)
{
    /// <summary>The default port: 1883, the IANA port for MQTT (MQTT 5.0 §4.2).</summary>
    public const int DefaultPort = 1883;

    /// <summary>The IANA port for MQTT over TLS (MQTT 5.0 §4.2).</summary>
    public const int DefaultTlsPort = 8883;

    private readonly IReadOnlyList<ListenerModel>? _listeners;

    /// <summary>127.0.0.1:1883 and [::1]:1883: reachable only from this machine until an operator decides otherwise.</summary>
    public static BrokerOptions Default { get; } = OnLoopback(DefaultPort);

    /// <summary>
    /// Every socket of the broker (<c>mqtt</c> and <c>mqtts</c>); by default the one plain listener on
    /// <see cref="Address"/>:<see cref="Port"/>, and nothing else (no IPv6 "any" beside it).
    /// </summary>
    public IReadOnlyList<ListenerModel> Listeners
    {
        get => _listeners ?? [new ListenerModel(ListenerProtocol.Mqtt, Address, Port)];
        init => _listeners = value.Where(l => l.IsMqtt).ToList();
    }

    /// <summary>The server certificate and device-certificate trust of the <c>mqtts</c> listeners; null without TLS.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>Plain MQTT on 127.0.0.1 and ::1 at <paramref name="port"/>.</summary>
    public static BrokerOptions OnLoopback(int port) =>
        new(IPAddress.Loopback, port) { Listeners = ListenerModel.Loopback(ListenerProtocol.Mqtt, port) };

    /// <summary>What a client may cost before it logs in, and the largest packet after.</summary>
    public PreLoginLimits Limits { get; init; } = PreLoginLimits.Default;

    /// <summary>Leave a flooder's connection unread for as long as the gate asks (<c>GateDecision.HoldReading</c>).</summary>
    /// <value>
    /// Default true. False where every message must be read at once whatever it costs: <c>simulate</c>, whose simulated
    /// clock moves only once the pipeline has taken in every message, so a hold measured on it would never end.
    /// </value>
    public bool HoldFlooders { get; init; } = true;
}
