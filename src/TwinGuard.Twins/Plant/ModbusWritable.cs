namespace TwinGuard.Twins.Plant;

/// <summary>A block of coils or holding registers that the guard lets allowed clients write, and the values it accepts.</summary>
/// <param name="Table"><see cref="ModbusTable.Coil"/> or <see cref="ModbusTable.Holding"/>.</param>
/// <param name="Address">Zero-based address of the first register or coil.</param>
/// <param name="Count">How many consecutive registers or coils.</param>
/// <param name="Min">Lowest raw value accepted, as a register reads when interpreted with <paramref name="Signed"/>.</param>
/// <param name="Max">Highest raw value accepted.</param>
/// <param name="Signed">True when register values are compared as int16, false as uint16.</param>
/// <param name="AssetId">The asset the registers control, for findings and correlation; null when none.</param>
public sealed record ModbusWritable(ModbusTable Table, int Address, int Count, int Min, int Max, bool Signed, string? AssetId)
{
    /// <summary>True when <paramref name="address"/> of <paramref name="table"/> is in this block.</summary>
    public bool Contains(ModbusTable table, int address) => table == Table && address >= Address && address < Address + Count;

    /// <summary>True when the raw 16-bit word (or 0/1 for a coil) is within the allowed values.</summary>
    public bool Allows(ushort raw)
    {
        var value = Signed ? (int)(short)raw : raw;
        return value >= Min && value <= Max;
    }
}
