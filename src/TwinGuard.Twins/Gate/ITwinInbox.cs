using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Gate;

/// <summary>Where the gate hands messages it let through: the twin of their asset.</summary>
/// <remarks>A seam so that the gate can be tested without a silo; the real one is <c>TwinDispatcher</c>.</remarks>
public interface ITwinInbox
{
    /// <summary>Queues a message for the asset's twin. Must not block the transport for long.</summary>
    ValueTask DeliverAsync(AssetModel asset, ReadingMessage message);
}
