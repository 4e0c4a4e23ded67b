namespace TwinGuard.Twins.Share;

/// <summary>Bounds on what peers can make a site hold and do.</summary>
public sealed record PeerInboxLimits
{
    /// <summary>Largest envelope accepted, bytes.</summary>
    /// <value>64 KiB.</value>
    public int MaxMessageBytes { get; init; } = 64 * 1024;

    /// <summary>Sustained messages per second per peer.</summary>
    /// <value>50.</value>
    public double MessagesPerSecond { get; init; } = 50;

    /// <summary>Messages a peer may send at once above the rate.</summary>
    /// <value>200.</value>
    public double Burst { get; init; } = 200;

    /// <summary>Messages verified and kept but not yet applied (intel, incidents), all peers together.</summary>
    /// <value>1024.</value>
    public int QueueLength { get; init; } = 1024;

    /// <summary>Message ids kept per peer to recognise its repeats (the oldest beyond go; see <see cref="Inbox.OnceInbox"/>).</summary>
    /// <value>100,000.</value>
    public int IdsPerPeer { get; init; } = 100_000;

    /// <summary>Indicators kept per peer for correlation (the newest win).</summary>
    /// <value>10,000.</value>
    public int IndicatorsPerPeer { get; init; } = 10_000;
}
