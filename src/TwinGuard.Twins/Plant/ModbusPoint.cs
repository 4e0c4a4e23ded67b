namespace TwinGuard.Twins.Plant;

/// <summary>One signal read from a Modbus device: where it lives, how it is encoded and how to scale it.</summary>
/// <param name="AssetId">The asset whose twin receives the value.</param>
/// <param name="SignalId">The signal of that asset.</param>
/// <param name="Table">The data table the value is read from.</param>
/// <param name="Address">Zero-based protocol address of the (first) register or bit (the PDU address, not "40001").</param>
/// <param name="Type">How the raw register(s) encode the value.</param>
/// <param name="WordOrder">For two-register types: which register holds the high word.</param>
/// <param name="Scale">Engineering value = raw × scale + offset.</param>
/// <param name="Offset">Engineering value = raw × scale + offset.</param>
public sealed record ModbusPoint(
    string AssetId,
    string SignalId,
    ModbusTable Table,
    int Address,
    ModbusValueType Type,
    ModbusWordOrder WordOrder,
    double Scale,
    double Offset)
{
    /// <summary>How many registers (or bits) the value occupies.</summary>
    public int Width => Type is ModbusValueType.Int32 or ModbusValueType.UInt32 or ModbusValueType.Float32 ? 2 : 1;

    /// <summary>True for the bit tables (coils and discrete inputs).</summary>
    public bool IsBit => Table is ModbusTable.Coil or ModbusTable.DiscreteInput;
}
