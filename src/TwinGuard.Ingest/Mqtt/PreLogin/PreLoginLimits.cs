using TwinGuard.Twins.Gate;

namespace TwinGuard.Ingest.Mqtt.PreLogin;

/// <summary>
/// What a client may cost the embedded broker before it has logged in, and the largest packet it may send after.
/// </summary>
/// <remarks>
/// Enforced below MQTTnet, on the socket and the byte stream (<see cref="Listening.MqttListenerAdapter"/>,
/// <see cref="FramingGuardChannel"/>): MQTTnet 5.2 allocates a packet's whole announced body before reading it and waits
/// 100 s (<c>DefaultCommunicationTimeout</c>) for a CONNECT, so both limits must act before its adapter sees a byte.
/// </remarks>
public sealed record PreLoginLimits
{
    /// <summary>The defaults: a few kilobytes and a few seconds per unauthenticated client.</summary>
    public static PreLoginLimits Default { get; } = new();

    /// <summary>Largest packet (remaining length) after login.</summary>
    /// <value>The largest reading payload (<see cref="ReadingPayloadParser.MaxPayloadBytes"/>) plus 2 KiB of topic, packet id and properties.</value>
    public int MaxPacketBytes { get; init; } = ReadingPayloadParser.MaxPayloadBytes + 2048;

    /// <summary>Largest CONNECT packet (remaining length); a device's id, client id and password fit many times over.</summary>
    /// <value>8 KiB.</value>
    public int MaxConnectBytes { get; init; } = 8 * 1024;

    /// <summary>How long a client has from its TCP connection to a complete CONNECT (TLS handshake included).</summary>
    /// <value>5 s.</value>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections open at once, logged in or not.</summary>
    /// <value>2048.</value>
    public int MaxConnections { get; init; } = 2048;

    /// <summary>Connections not yet logged in, at once, from addresses that no device of the plant model lists.</summary>
    /// <value>256: with <see cref="MaxConnectBytes"/>, at most 2 MiB of CONNECT buffers.</value>
    public int MaxPendingConnections { get; init; } = 256;

    /// <summary>Connections open at once from one address (an IPv6 /64 counts as one).</summary>
    /// <value>16.</value>
    public int MaxConnectionsPerAddress { get; init; } = 16;

    /// <summary>Connections not yet logged in, at once, from one address.</summary>
    /// <value>4.</value>
    public int MaxPendingPerAddress { get; init; } = 4;

    /// <summary>New connections per second one address may open, sustained (a token bucket).</summary>
    /// <value>5 per second.</value>
    public double ConnectsPerSecond { get; init; } = 5;

    /// <summary>New connections one address may open in a burst.</summary>
    /// <value>10.</value>
    public int ConnectBurst { get; init; } = 10;

    /// <summary>Failed logins from one address in a row that are free of back-off (typos, a device with an old password).</summary>
    /// <value>2.</value>
    public int FailuresBeforeBackOff { get; init; } = 2;

    /// <summary>The first back-off; each further failed login doubles it.</summary>
    /// <value>1 s.</value>
    public TimeSpan BackOffBase { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off.</summary>
    /// <value>5 minutes.</value>
    public TimeSpan BackOffMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Addresses whose counts are remembered; beyond it the idle ones are forgotten first.</summary>
    /// <value>8192.</value>
    public int TrackedAddresses { get; init; } = 8192;

    /// <summary>Password checks (PBKDF2) running at once; further logins wait their turn within the connect timeout.</summary>
    /// <value>1: failed logins can hold at most one core.</value>
    public int ConcurrentPasswordChecks { get; init; } = 1;

    /// <summary>These limits with the fields the plant model's <c>limits.mqtt</c> (or serve's <c>--limit</c>) sets.</summary>
    public PreLoginLimits With(TwinGuard.Twins.Plant.LimitsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return this with
        {
            MaxPacketBytes = settings.MaxPacketBytes ?? MaxPacketBytes,
            MaxConnectBytes = settings.MaxConnectBytes ?? MaxConnectBytes,
            ConnectTimeout = settings.ConnectTimeout ?? ConnectTimeout,
            MaxConnections = settings.MaxConnections ?? MaxConnections,
            MaxPendingConnections = settings.MaxPendingConnections ?? MaxPendingConnections,
            MaxConnectionsPerAddress = settings.MaxConnectionsPerAddress ?? MaxConnectionsPerAddress,
            MaxPendingPerAddress = settings.MaxPendingPerAddress ?? MaxPendingPerAddress,
            ConnectsPerSecond = settings.ConnectsPerSecond ?? ConnectsPerSecond,
            ConnectBurst = settings.ConnectBurst ?? ConnectBurst,
            FailuresBeforeBackOff = settings.FailuresBeforeBackOff ?? FailuresBeforeBackOff,
            BackOffBase = settings.BackOffBase ?? BackOffBase,
            BackOffMax = settings.BackOffMax ?? BackOffMax,
            TrackedAddresses = settings.TrackedAddresses ?? TrackedAddresses,
            ConcurrentPasswordChecks = settings.ConcurrentPasswordChecks ?? ConcurrentPasswordChecks,
        };
    }
}
