using System.Collections.Concurrent;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Modbus;

/// <summary>
/// When the guard last forwarded a write to each coil and register of one device, so that the poller can tell a change
/// that came through the guard from one that did not (a write by another path: the guard was bypassed).
/// </summary>
public sealed class ModbusWriteLog
{
    private readonly ConcurrentDictionary<(ModbusTable Table, int Address), long> _last = new();

    /// <summary>Records a write the device accepted, at <paramref name="timestamp"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    public void Record(ModbusTable table, int address, int count, long timestamp)
    {
        for (var i = 0; i < count; i++)
        {
            _last[(table, address + i)] = timestamp;
        }
    }

    /// <summary>True when any of the <paramref name="width"/> addresses from <paramref name="address"/> was written at or after <paramref name="since"/>.</summary>
    public bool WrittenSince(ModbusTable table, int address, int width, long since)
    {
        for (var i = 0; i < width; i++)
        {
            if (_last.TryGetValue((table, address + i), out var at) && at >= since)
            {
                return true;
            }
        }

        return false;
    }
}
