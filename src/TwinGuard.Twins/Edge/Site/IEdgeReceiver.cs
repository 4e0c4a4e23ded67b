using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Edge.Site;

/// <summary>Where a site's broker hands what its edge agents publish (the real one is <see cref="EdgeSite"/>).</summary>
public interface IEdgeReceiver
{
    /// <summary>
    /// Keeps one message of an edge (durably, once by id) before the broker acknowledges it; null when kept (or a
    /// repeat already kept), else the reason it is refused.
    /// </summary>
    Task<string?> ReceiveAsync(DeviceModel edge, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>The edge subscribed to what the site sends down (it linked, or linked again): the site brings it up to date.</summary>
    Task LinkedAsync(DeviceModel edge, CancellationToken cancellationToken);
}
