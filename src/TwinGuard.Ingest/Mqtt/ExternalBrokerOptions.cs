namespace TwinGuard.Ingest.Mqtt;

/// <summary>An existing mosquitto 2 broker that TwinGuard joins as a client instead of running its own.</summary>
/// <param name="Host">Broker host.</param>
/// <param name="Port">Broker port.</param>
/// <param name="UserName">TwinGuard's user: it must be allowed to subscribe to the plant's topics and to use <c>$CONTROL/dynamic-security/v1</c>.</param>
/// <param name="Password">Its password.</param>
public sealed record ExternalBrokerOptions(string Host, int Port, string UserName, string Password)
{
    /// <summary>The dynamic-security plugin's control topic (mosquitto 2.0, plugins/dynamic-security/README.md).</summary>
    public const string ControlTopic = "$CONTROL/dynamic-security/v1";

    /// <summary>Where the plugin answers.</summary>
    public const string ResponseTopic = ControlTopic + "/response";

    /// <summary>The MQTT client id TwinGuard uses.</summary>
    public string ClientId { get; init; } = "twinguard";

    /// <summary>TLS to the broker (<c>mqtts://</c>): the CA pinned for its certificate and TwinGuard's client certificate; null for plain MQTT.</summary>
    public TwinGuard.Twins.Respond.ClientTls? Tls { get; init; }

    /// <summary>How long to wait for the plugin to answer a command.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
