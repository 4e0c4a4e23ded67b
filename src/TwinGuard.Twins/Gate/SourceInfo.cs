using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Gate;

/// <summary>An authenticated source as the transport knows it.</summary>
/// <param name="Device">The device of the plant model it authenticated as.</param>
/// <param name="ClientId">The transport's client id (MQTT client identifier), for forensics.</param>
/// <param name="RemoteEndpoint">Where it connects from (address:port), when known.</param>
public sealed record SourceInfo(DeviceModel Device, string ClientId, string? RemoteEndpoint)
{
    /// <summary>The connection's receive batch, when its transport reads ahead (plain TCP MQTT); null runs every message's lane at once.</summary>
    public ReceiveBatch? Batch { get; init; }

    /// <summary>The gate's last routes for this source (<see cref="GateRoute"/>), made at its first message: bounded, one source one array.</summary>
    internal GateRoute?[] Routes => _routes ??= new GateRoute?[GateRoute.PerSource];

    /// <summary>Where <see cref="GateRoute.Keep"/> puts the next route when every slot is current.</summary>
    internal ref int NextRoute => ref _nextRoute;

    private GateRoute?[]? _routes;
    private int _nextRoute;
}
