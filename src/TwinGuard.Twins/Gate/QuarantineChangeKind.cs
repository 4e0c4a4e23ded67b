namespace TwinGuard.Twins.Gate;

/// <summary>One change to a <see cref="QuarantineList"/>, as a cluster's silos pass it to each other (docs/cluster.md).</summary>
public enum QuarantineChangeKind
{
    /// <summary>A device (source) quarantined.</summary>
    AddDevice = 1,

    /// <summary>A device released.</summary>
    ReleaseDevice,

    /// <summary>An asset quarantined.</summary>
    AddAsset,

    /// <summary>An asset released.</summary>
    ReleaseAsset,

    /// <summary>A signal (<c>asset/signal</c>) quarantined.</summary>
    AddSignal,

    /// <summary>A signal released.</summary>
    ReleaseSignal,

    /// <summary>A device's credentials revoked.</summary>
    RevokeCredentials,

    /// <summary>A device's credentials restored.</summary>
    RestoreCredentials,

    /// <summary>A device's connections dropped (no lasting hold: it may connect again unless a hold refuses it).</summary>
    Disconnect,
}
