namespace TwinGuard.Ingest.Mqtt.PreLogin;

/// <summary>Why a connection was closed before its client logged in.</summary>
public enum AdmissionRefusal
{
    /// <summary>Admitted (not a refusal).</summary>
    None,

    /// <summary><see cref="PreLoginLimits.MaxConnections"/> reached.</summary>
    TooManyConnections,

    /// <summary><see cref="PreLoginLimits.MaxPendingConnections"/> reached.</summary>
    TooManyPending,

    /// <summary><see cref="PreLoginLimits.MaxConnectionsPerAddress"/> reached for the address.</summary>
    AddressConnections,

    /// <summary><see cref="PreLoginLimits.MaxPendingPerAddress"/> reached for the address.</summary>
    AddressPending,

    /// <summary>The address opens connections faster than <see cref="PreLoginLimits.ConnectsPerSecond"/>.</summary>
    RateLimited,

    /// <summary>The address is backing off after failed logins.</summary>
    BackingOff,

    /// <summary>A packet announced more than the limit (<see cref="PreLoginLimits.MaxConnectBytes"/> before login).</summary>
    Oversized,

    /// <summary>The first packet was not a CONNECT, or a fixed header was malformed.</summary>
    ProtocolViolation,

    /// <summary>No complete CONNECT within <see cref="PreLoginLimits.ConnectTimeout"/>.</summary>
    ConnectTimeout,

    /// <summary>The address is denied outright (<see cref="AddressAdmission.Denied"/>: reported attacking by a peer site).</summary>
    Denied,
}
