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
    /// completes once the message is in the ledger on disk, and faults when it cannot be.
    /// </param>
    /// <returns>Completes when queued; its result completes when the message is kept (at once when not asked).</returns>
    ValueTask<Task> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept);

    /// <summary>As <see cref="DeliverAsync(AssetModel, ReadingMessage, bool)"/>, from a connection that may have more messages already read.</summary>
    /// <param name="asset">The message's asset.</param>
    /// <param name="message">What the gate let through.</param>
    /// <param name="kept">True when the sender will be told the message is kept.</param>
    /// <param name="batch">The connection's receive batch: the message's twin may wait for what it read next (<see cref="ReceiveBatch"/>).</param>
    /// <returns>As <see cref="DeliverAsync(AssetModel, ReadingMessage, bool)"/>.</returns>
    ValueTask<Task> DeliverAsync(AssetModel asset, ReadingMessage message, bool kept, ReceiveBatch? batch) => DeliverAsync(asset, message, kept);
}
