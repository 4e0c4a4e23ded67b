using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Modbus;

/// <summary>Turns the raw registers or bits behind a <see cref="ModbusPoint"/> into its engineering value.</summary>
/// <remarks>
/// Inside a register the byte order is big-endian (Modbus Application Protocol v1.1b3 §4.2); the order of the two
/// registers of a 32-bit value is the device's choice, given by <see cref="ModbusPoint.WordOrder"/>.
/// </remarks>
public static class ModbusValueDecoder
{
    /// <summary>The raw value (before scale and offset) of a register point whose first word is <paramref name="words"/>[0].</summary>
    public static double Raw(ModbusPoint point, ReadOnlySpan<ushort> words)
    {
        var combined = point.Width == 1 ? 0u
            : point.WordOrder == ModbusWordOrder.HighFirst ? ((uint)words[0] << 16) | words[1]
            : ((uint)words[1] << 16) | words[0];

        return point.Type switch
        {
            ModbusValueType.Int16 => (short)words[0],
            ModbusValueType.UInt16 => words[0],
            ModbusValueType.Int32 => (int)combined,
            ModbusValueType.UInt32 => combined,
            ModbusValueType.Float32 => BitConverter.UInt32BitsToSingle(combined),
            _ => throw new ArgumentException($"{point.Type} is not a register type", nameof(point)),
        };
    }

    /// <summary>Engineering value = raw × scale + offset.</summary>
    public static double Value(ModbusPoint point, double raw) => (raw * point.Scale) + point.Offset;

    /// <summary>Encodes an engineering value into the register words of <paramref name="point"/> (the inverse of decoding).</summary>
    public static ushort[] Encode(ModbusPoint point, double value)
    {
        var raw = (value - point.Offset) / point.Scale;
        uint bits = point.Type switch
        {
            ModbusValueType.Int16 => (ushort)(short)Math.Round(raw),
            ModbusValueType.UInt16 => (ushort)Math.Round(raw),
            ModbusValueType.Int32 => (uint)(int)Math.Round(raw),
            ModbusValueType.UInt32 => (uint)Math.Round(raw),
            ModbusValueType.Float32 => BitConverter.SingleToUInt32Bits((float)raw),
            _ => throw new ArgumentException($"{point.Type} is not a register type", nameof(point)),
        };
        if (point.Width == 1)
        {
            return [(ushort)bits];
        }

        var (high, low) = ((ushort)(bits >> 16), (ushort)bits);
        return point.WordOrder == ModbusWordOrder.HighFirst ? [high, low] : [low, high];
    }
}
