using TwinGuard.Twins.Respond;

namespace TwinGuard.Ingest.Mqtt.Uplink;

/// <summary>Where and how an <see cref="MqttUplink"/> reaches the broker it sends to.</summary>
/// <param name="Host">The broker's host name or address (also the TLS target name).</param>
/// <param name="Port">Its mqtts port.</param>
/// <param name="ClientId">The client id and user name (the identity its certificate proves).</param>
/// <param name="Tls">The receiver's CA (pinned: the system's roots are not used), this sender's certificate and key.</param>
/// <param name="Topic">Where it publishes (the one topic the receiver lets this identity publish to).</param>
public sealed record MqttUplinkOptions(string Host, int Port, string ClientId, ClientTls Tls, string Topic)
{
    /// <summary>What it subscribes to at QoS 1 on every connection (what the receiver sends back), if anything.</summary>
    public string? Subscribe { get; init; }

    /// <summary>MQTT keep-alive (MQTT 5.0 §3.1.2.10).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a connect or a publish may take before the link counts as down.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest message it hands to <see cref="MqttUplink.Received"/>; a larger one is reported as a problem and dropped.</summary>
    public int MaxReceivedBytes { get; init; } = 64 * 1024;

    /// <summary>How long it waits after a problem before it tries again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);
}
