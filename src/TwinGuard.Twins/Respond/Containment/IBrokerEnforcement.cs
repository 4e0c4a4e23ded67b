namespace TwinGuard.Twins.Respond;

/// <summary>What the respond stage asks of the MQTT broker the devices connect to.</summary>
/// <remarks>
/// Two implementations: the embedded broker, which consults the <see cref="Gate.QuarantineList"/> on every connection
/// and publish, and an existing mosquitto, contained through its dynamic-security plugin.
/// </remarks>
public interface IBrokerEnforcement
{
    /// <summary>Where the device's current connections come from (<c>address:port</c>).</summary>
    Task<IReadOnlyList<string>> EndpointsOfAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Drops the device's current connections; returns how many.</summary>
    Task<int> DisconnectAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Refuses the device's future connections until <see cref="AllowAsync"/>.</summary>
    Task DenyAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Lets the device connect again.</summary>
    Task AllowAsync(string deviceId, CancellationToken cancellationToken);
}
