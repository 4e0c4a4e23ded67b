namespace TwinGuard.Twins.Share;

/// <summary>Why an inbound peer message was refused (counted per reason, <c>GET /api/peers</c>).</summary>
public enum PeerRefusal
{
    /// <summary>Larger than <see cref="PeerInboxLimits.MaxMessageBytes"/>.</summary>
    Oversized,

    /// <summary>The peer sends faster than <see cref="PeerInboxLimits.MessagesPerSecond"/> (burst <see cref="PeerInboxLimits.Burst"/>).</summary>
    RateLimited,

    /// <summary>The inbox's queue of messages still to apply is full (<see cref="PeerInboxLimits.QueueLength"/>).</summary>
    QueueFull,

    /// <summary>Not an envelope, or not a message of a known kind with its part.</summary>
    Malformed,

    /// <summary>The signature does not verify with the peer's pinned key.</summary>
    BadSignature,

    /// <summary>Signed as from another site than the one the certificate proved.</summary>
    WrongSender,

    /// <summary>Signed for another site.</summary>
    WrongRecipient,
}
