namespace TwinGuard.Twins.Plant;

/// <summary>
/// The <c>limits:</c> section: what a client may cost before it logs in (docs/abuse.md) and how refusals are folded.
/// Every MQTT field left out (null) keeps the broker's default.
/// </summary>
/// <remarks>
/// Written in the plant model, or on serve's command line (<c>--limit limits.mqtt.max_connections=4096</c>), which wins; the
/// names are those of the YAML keys. The broker applies the MQTT fields over its defaults (<c>PreLoginLimits.With</c>).
/// </remarks>
public sealed record LimitsSettings
{
    /// <summary>No section: every default.</summary>
    public static LimitsSettings Default { get; } = new();

    /// <summary>The window in which repeated refusals of one address (or device and address) and reason are folded.</summary>
    /// <value>10 s.</value>
    public TimeSpan RefusalFoldWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>limits.modbus.refusal_fold_window</c>: the window in which a Modbus guard folds the refusals of one unlisted
    /// address; null follows <see cref="RefusalFoldWindow"/>.
    /// </summary>
    public TimeSpan? ModbusRefusalFoldWindow { get; init; }

    /// <summary>The Modbus guards' fold window in force.</summary>
    public TimeSpan ModbusFoldWindow => ModbusRefusalFoldWindow ?? RefusalFoldWindow;

    /// <summary><c>mqtt.max_packet_bytes</c>: largest packet after login.</summary>
    public int? MaxPacketBytes { get; init; }

    /// <summary><c>mqtt.max_connect_bytes</c>: largest CONNECT.</summary>
    public int? MaxConnectBytes { get; init; }

    /// <summary><c>mqtt.connect_timeout</c>: from TCP accept to a complete CONNECT, TLS handshake included.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary><c>mqtt.max_connections</c>: open at once, logged in or not.</summary>
    public int? MaxConnections { get; init; }

    /// <summary><c>mqtt.max_pending</c>: not yet logged in, at once.</summary>
    public int? MaxPendingConnections { get; init; }

    /// <summary><c>mqtt.max_per_address</c>: open at once from one address.</summary>
    public int? MaxConnectionsPerAddress { get; init; }

    /// <summary><c>mqtt.max_pending_per_address</c>: not yet logged in, at once, from one address.</summary>
    public int? MaxPendingPerAddress { get; init; }

    /// <summary><c>mqtt.connects_per_second</c>: sustained new connections per address.</summary>
    public double? ConnectsPerSecond { get; init; }

    /// <summary><c>mqtt.connect_burst</c>: new connections per address in a burst.</summary>
    public int? ConnectBurst { get; init; }

    /// <summary><c>mqtt.failures_before_back_off</c>: failed logins in a row free of back-off.</summary>
    public int? FailuresBeforeBackOff { get; init; }

    /// <summary><c>mqtt.back_off_base</c>: the first back-off.</summary>
    public TimeSpan? BackOffBase { get; init; }

    /// <summary><c>mqtt.back_off_max</c>: the longest back-off.</summary>
    public TimeSpan? BackOffMax { get; init; }

    /// <summary><c>mqtt.tracked_addresses</c>: addresses whose counts are remembered.</summary>
    public int? TrackedAddresses { get; init; }

    /// <summary><c>mqtt.concurrent_password_checks</c>: PBKDF2 checks at once.</summary>
    public int? ConcurrentPasswordChecks { get; init; }
}
