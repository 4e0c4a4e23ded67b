using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Gate;

/// <summary>
/// What the gate worked out for one source publishing to one topic under one plant model: the device as that model
/// describes it, whether the topic is authorised, and where it routes. Immutable; a source keeps its last few
/// (<see cref="SourceInfo"/>), so that its next message to the same topic costs one string comparison instead of a
/// device lookup, an authorisation lookup, and an asset and signal lookup.
/// </summary>
/// <remarks>
/// Only what follows from the model and the topic is kept. What changes without a reload (quarantines, flood buckets)
/// is asked again for every message, and a reload makes every kept route stale (<see cref="Model"/> differs).
/// </remarks>
internal sealed class GateRoute
{
    /// <summary>Routes one source keeps at most: a device usually publishes to one asset, a gateway to a few.</summary>
    public const int PerSource = 8;

    public GateRoute(DeviceModel authenticated, PlantModel model, string topic, DeviceModel? device, bool authorised, AssetModel? asset, int signalIndex, string? error)
    {
        (Authenticated, Model, Topic, Device, Authorised, Asset, SignalIndex, Error) = (authenticated, model, topic, device, authorised, asset, signalIndex, error);
    }

    /// <summary>The device the source authenticated as (<see cref="SourceInfo.Device"/>): a copy of a source made for another device keeps its own routes.</summary>
    public DeviceModel Authenticated { get; }

    /// <summary>The plant model this was worked out under.</summary>
    public PlantModel Model { get; }

    /// <summary>The topic published to.</summary>
    public string Topic { get; }

    /// <summary>The source's device in <see cref="Model"/>; null when the model no longer has it.</summary>
    public DeviceModel? Device { get; }

    /// <summary>True when one of the device's topic filters matches <see cref="Topic"/>.</summary>
    public bool Authorised { get; }

    /// <summary>The asset the topic names, when the model has it (also when its signal is unknown).</summary>
    public AssetModel? Asset { get; }

    /// <summary>The signal the topic names, or -1 for an asset topic.</summary>
    public int SignalIndex { get; }

    /// <summary>Why the topic routes to no asset or signal; null when it routes.</summary>
    public string? Error { get; }

    /// <summary>The route kept in <paramref name="routes"/> for <paramref name="authenticated"/> and <paramref name="topic"/> under <paramref name="model"/>, or null.</summary>
    public static GateRoute? Find(GateRoute?[] routes, DeviceModel authenticated, PlantModel model, string topic)
    {
        foreach (var route in routes)
        {
            if (route is not null && ReferenceEquals(route.Model, model) && ReferenceEquals(route.Authenticated, authenticated)
                && string.Equals(route.Topic, topic, StringComparison.Ordinal))
            {
                return route;
            }
        }

        return null;
    }

    /// <summary>Keeps <paramref name="route"/> in <paramref name="routes"/>, in place of one that is stale, or of the oldest.</summary>
    /// <remarks>
    /// Safe from several threads (a transport may share one source among them): a slot takes a whole immutable route,
    /// and a race only loses a route, which the next message works out again.
    /// </remarks>
    public static void Keep(GateRoute?[] routes, ref int next, GateRoute route)
    {
        for (var i = 0; i < routes.Length; i++)
        {
            if (routes[i] is not { } kept || !ReferenceEquals(kept.Model, route.Model))
            {
                routes[i] = route;
                return;
            }
        }

        routes[(int)((uint)Interlocked.Increment(ref next) % (uint)routes.Length)] = route;
    }
}
