namespace TwinGuard.Twins.Plant;

/// <summary>A Modbus TCP server (PLC, RTU gateway) that TwinGuard polls, and optionally guards.</summary>
/// <param name="Id">The device's identity: the source its readings are attributed to at the gate.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Host">Host name or address of the device.</param>
/// <param name="Port">TCP port (502 is the registered Modbus port).</param>
/// <param name="UnitId">The unit identifier requests carry (Messaging on TCP/IP Implementation Guide v1.0b §3.1.3).</param>
/// <param name="PollPeriod">Time between polls.</param>
/// <param name="Timeout">How long to wait for a response before the request counts as failed.</param>
/// <param name="Points">The signals read from it.</param>
/// <param name="Guard">The inline guard in front of it, or null when none.</param>
public sealed record ModbusDeviceModel(
    string Id,
    string Name,
    string Host,
    int Port,
    byte UnitId,
    TimeSpan PollPeriod,
    TimeSpan Timeout,
    IReadOnlyList<ModbusPoint> Points,
    ModbusGuardModel? Guard)
{
    /// <summary>The assets the device's points feed.</summary>
    public IEnumerable<string> AssetIds => Points.Select(p => p.AssetId).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The asset a write to <paramref name="address"/> of <paramref name="table"/> concerns: the writable block's, else
    /// the polled point's at that address, else the device's only asset; null when it cannot be told.
    /// </summary>
    public string? AssetOf(ModbusTable table, int address)
    {
        if (Guard?.FindWritable(table, address)?.AssetId is { } asset)
        {
            return asset;
        }

        foreach (var point in Points)
        {
            if (point.Table == table && address >= point.Address && address < point.Address + point.Width)
            {
                return point.AssetId;
            }
        }

        var assets = AssetIds.Take(2).ToList();
        return assets.Count == 1 ? assets[0] : null;
    }
}
