using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Share;

/// <summary>Where a site's broker hands what its peer sites publish (the real one is <see cref="PeerInbox"/>).</summary>
public interface IPeerReceiver
{
    /// <summary>Verifies and keeps one message of a peer before the broker acknowledges it; null when kept (or a repeat), else why it is refused.</summary>
    Task<string?> ReceiveAsync(DeviceModel peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}
