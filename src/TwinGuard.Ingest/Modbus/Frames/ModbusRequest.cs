using System.Buffers.Binary;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Modbus;

/// <summary>A request PDU that <see cref="ModbusPdu.TryParseRequest"/> found well-formed: what it reads and what it writes.</summary>
/// <param name="Function">The function code.</param>
/// <param name="ReadAddress">First address read (function codes 1-4 and 23); −1 when the request reads nothing.</param>
/// <param name="ReadQuantity">Registers or bits read; 0 when none.</param>
/// <param name="WriteAddress">First address written (function codes 5, 6, 15, 16 and 23); −1 when the request writes nothing.</param>
/// <param name="WriteQuantity">Registers or coils written; 0 when none.</param>
/// <param name="ValuesOffset">Offset in the PDU of the first written value.</param>
public readonly record struct ModbusRequest(ModbusFunction Function, int ReadAddress, int ReadQuantity, int WriteAddress, int WriteQuantity, int ValuesOffset)
{
    /// <summary>True when the request writes.</summary>
    public bool Writes => WriteQuantity > 0;

    /// <summary>The table written: coils for 5 and 15, holding registers otherwise.</summary>
    public ModbusTable WriteTable => Function is ModbusFunction.WriteSingleCoil or ModbusFunction.WriteMultipleCoils ? ModbusTable.Coil : ModbusTable.Holding;

    /// <summary>The table read.</summary>
    public ModbusTable ReadTable => Function switch
    {
        ModbusFunction.ReadCoils => ModbusTable.Coil,
        ModbusFunction.ReadDiscreteInputs => ModbusTable.DiscreteInput,
        ModbusFunction.ReadInputRegisters => ModbusTable.Input,
        _ => ModbusTable.Holding,
    };

    /// <summary>The <paramref name="index"/>-th value written: a register's word, or 0/1 for a coil.</summary>
    public ushort WrittenValue(ReadOnlySpan<byte> pdu, int index) => Function switch
    {
        // §6.5: 0xFF00 requests ON, 0x0000 OFF (anything else was refused by the parser).
        ModbusFunction.WriteSingleCoil => (ushort)(pdu[ValuesOffset] == 0xFF ? 1 : 0),
        // §6.11: coils are packed LSB first, the first coil in the low bit of the first byte.
        ModbusFunction.WriteMultipleCoils => (ushort)((pdu[ValuesOffset + (index >> 3)] >> (index & 7)) & 1),
        _ => BinaryPrimitives.ReadUInt16BigEndian(pdu[(ValuesOffset + (2 * index))..]),
    };
}
