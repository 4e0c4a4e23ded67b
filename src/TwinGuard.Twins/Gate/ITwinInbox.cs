using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Gate;

/// <summary>Where the gate hands messages it let through: the twin of their asset.</summary>
/// <remarks>A seam so that the gate can be tested without a silo; the real one is <c>TwinDispatcher</c>.</remarks>
public interface ITwinInbox
{
    /// <summary>Queues a message for the asset's twin. Must not block the transport for long.</summary>
    /// <param name="asset">The message's asset.</param>
    /// <param name="message">What the gate let through.</param>
    /// <param name="kept">
    /// True when the sender will be told the message is kept (an MQTT QoS 1/2 acknowledgement): the returned task then
    /// completes once the message is in the ledger on disk, with the twin's verdict on it, and faults when it cannot be.
    /// </param>
    /// <param name="alone">
    /// With <paramref name="kept"/>: the sender has no other message waiting for its acknowledgement, so it sends
    /// nothing more until this one is acknowledged, and the caller's thread may do the commit itself rather than wake
    /// another thread for it.
    /// </param>
    /// <returns>
    /// Completes when queued; its result completes when the message is kept, with what the twin made of it (at once, with
    /// <see cref="TwinVerdict.Accepted"/>, when not asked).
    /// </returns>
    ValueTask<Task<TwinVerdict>> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept, bool alone = false);

    /// <summary>As <see cref="DeliverAsync(AssetModel, ReadingMessage, bool, bool)"/>, from a connection that may have more messages already read.</summary>
    /// <param name="asset">The message's asset.</param>
    /// <param name="message">What the gate let through.</param>
    /// <param name="kept">True when the sender will be told the message is kept.</param>
    /// <param name="batch">The connection's receive batch: the message's twin may wait for what it read next (<see cref="ReceiveBatch"/>).</param>
    /// <param name="alone">As for <see cref="DeliverAsync(AssetModel, ReadingMessage, bool, bool)"/>.</param>
    /// <returns>As <see cref="DeliverAsync(AssetModel, ReadingMessage, bool, bool)"/>.</returns>
    ValueTask<Task<TwinVerdict>> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept, ReceiveBatch? batch, bool alone = false) => DeliverAsync(asset, message, kept, alone);
}
