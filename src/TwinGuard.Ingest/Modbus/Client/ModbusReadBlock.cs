using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Modbus;

/// <summary>One read request of a poll: a contiguous range of one table and the points it covers.</summary>
/// <param name="Table">The table read.</param>
/// <param name="Address">First address.</param>
/// <param name="Count">Registers or bits read.</param>
/// <param name="Points">The points inside the range.</param>
public sealed record ModbusReadBlock(ModbusTable Table, int Address, int Count, IReadOnlyList<ModbusPoint> Points)
{
    /// <summary>Plans the fewest reads that cover <paramref name="points"/>: adjacent or overlapping points share a request,
    /// up to the per-request maximum (§6.1-§6.4); gaps are never read, since a device may refuse unmapped addresses.</summary>
    public static IReadOnlyList<ModbusReadBlock> Plan(IEnumerable<ModbusPoint> points)
    {
        var blocks = new List<ModbusReadBlock>();
        foreach (var table in points.GroupBy(p => p.Table))
        {
            var max = table.Key is ModbusTable.Coil or ModbusTable.DiscreteInput ? ModbusPdu.MaxReadBits : ModbusPdu.MaxReadRegisters;
            var current = new List<ModbusPoint>();
            int start = 0, end = 0;
            foreach (var point in table.OrderBy(p => p.Address))
            {
                var pointEnd = point.Address + point.Width;
                if (current.Count > 0 && point.Address <= end && Math.Max(end, pointEnd) - start <= max)
                {
                    current.Add(point);
                    end = Math.Max(end, pointEnd);
                    continue;
                }

                if (current.Count > 0)
                {
                    blocks.Add(new ModbusReadBlock(table.Key, start, end - start, current));
                }

                current = [point];
                (start, end) = (point.Address, pointEnd);
            }

            if (current.Count > 0)
            {
                blocks.Add(new ModbusReadBlock(table.Key, start, end - start, current));
            }
        }

        return blocks;
    }
}
