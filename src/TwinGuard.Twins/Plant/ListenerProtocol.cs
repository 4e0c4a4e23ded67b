namespace TwinGuard.Twins.Plant;

/// <summary>What a listener of the <c>listeners:</c> section serves.</summary>
public enum ListenerProtocol
{
    /// <summary>MQTT over plain TCP (1883 by convention).</summary>
    Mqtt,

    /// <summary>MQTT over TLS (8883 by convention): the server certificate of <c>tls:</c>, device certificates optional.</summary>
    Mqtts,

    /// <summary>The REST API and dashboard over plain HTTP.</summary>
    Http,

    /// <summary>The REST API and dashboard over HTTPS (with HSTS), the server certificate of <c>tls:</c>.</summary>
    Https,
}
