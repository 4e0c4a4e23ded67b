namespace TwinGuard.Server.Api;

/// <summary>How an asset looks at a glance (the dashboard's colours: green, amber, red).</summary>
internal enum AssetState
{
    /// <summary>Its twin trusts its data and nothing happened on it recently.</summary>
    Normal,

    /// <summary>A signal is suspect, or an incident on it was updated within the correlation window.</summary>
    Suspect,

    /// <summary>A quarantine holds it: the asset, a signal, the device that feeds it, or its twin is read-only.</summary>
    Quarantined,
}
