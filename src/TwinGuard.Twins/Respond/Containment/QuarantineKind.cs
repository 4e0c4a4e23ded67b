namespace TwinGuard.Twins.Respond;

/// <summary>What a stored quarantine holds in place. Stable: names appear in the database and the CLI.</summary>
public enum QuarantineKind
{
    /// <summary>A device (source): the gate refuses its data and the broker its connections.</summary>
    Source,

    /// <summary>An asset: the gate refuses data for it.</summary>
    Asset,

    /// <summary>One signal of an asset (<c>asset/signal</c>).</summary>
    Signal,

    /// <summary>A device's credentials are revoked.</summary>
    Credentials,

    /// <summary>An asset's twin refuses API writes.</summary>
    ReadOnly,

    /// <summary>A network address or range is blocked by the network enforcer.</summary>
    Address,
}
