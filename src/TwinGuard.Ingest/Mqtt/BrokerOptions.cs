using System.Net;
using TwinGuard.Ingest.Mqtt.PreLogin;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>Where the embedded MQTT broker listens.</summary>
/// <param name="Address">Listening address.</param>
/// <param name="Port">Listening port.</param>
public sealed record BrokerOptions(IPAddress Address, int Port)
{
    /// <summary>The default port: 1883, the IANA port for MQTT (MQTT 5.0 §4.2).</summary>
    public const int DefaultPort = 1883;

    /// <summary>127.0.0.1:1883: reachable only from this machine until an operator decides otherwise.</summary>
    public static BrokerOptions Default { get; } = new(IPAddress.Loopback, DefaultPort);

    /// <summary>What a client may cost before it logs in, and the largest packet after.</summary>
    public PreLoginLimits Limits { get; init; } = PreLoginLimits.Default;
}
