using FsCheck.Xunit;
using TwinGuard.Ingest.Modbus;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Modbus;

public sealed class ModbusValueDecoderTests
{
    private static ModbusPoint Point(ModbusValueType type, ModbusWordOrder order = ModbusWordOrder.HighFirst, double scale = 1, double offset = 0) =>
        new("a", "s", ModbusTable.Holding, 0, type, order, scale, offset);

    [Fact]
    public void Raw_Int16_IsTwosComplement()
    {
        Assert.Equal(-2, ModbusValueDecoder.Raw(Point(ModbusValueType.Int16), [0xFFFE]));
        Assert.Equal(65534, ModbusValueDecoder.Raw(Point(ModbusValueType.UInt16), [0xFFFE]));
    }

    [Fact]
    public void Raw_Float32_HonoursWordOrder()
    {
        // 100.0f is 0x42C80000.
        Assert.Equal(100.0, ModbusValueDecoder.Raw(Point(ModbusValueType.Float32), [0x42C8, 0x0000]));
        Assert.Equal(100.0, ModbusValueDecoder.Raw(Point(ModbusValueType.Float32, ModbusWordOrder.LowFirst), [0x0000, 0x42C8]));
    }

    [Fact]
    public void Raw_UInt32LowFirst_CombinesWords()
    {
        Assert.Equal(0x00010002u, ModbusValueDecoder.Raw(Point(ModbusValueType.UInt32, ModbusWordOrder.LowFirst), [0x0002, 0x0001]));
        Assert.Equal(-1, ModbusValueDecoder.Raw(Point(ModbusValueType.Int32), [0xFFFF, 0xFFFF]));
    }

    [Fact]
    public void Value_ScaleAndOffset_Applied()
    {
        Assert.Equal(21.5, ModbusValueDecoder.Value(Point(ModbusValueType.Int16, scale: 0.1, offset: -10), 315), 9);
    }

    [Property(MaxTest = 300)]
    public bool EncodeThenDecode_Int32AnyOrder_RoundTrips(int value, bool lowFirst)
    {
        var point = Point(ModbusValueType.Int32, lowFirst ? ModbusWordOrder.LowFirst : ModbusWordOrder.HighFirst);
        return ModbusValueDecoder.Raw(point, ModbusValueDecoder.Encode(point, value)) == value;
    }

    [Property(MaxTest = 300)]
    public bool EncodeThenDecode_Float32AnyOrder_RoundTrips(float value, bool lowFirst)
    {
        var point = Point(ModbusValueType.Float32, lowFirst ? ModbusWordOrder.LowFirst : ModbusWordOrder.HighFirst);
        var decoded = ModbusValueDecoder.Raw(point, ModbusValueDecoder.Encode(point, value));
        return float.IsNaN(value) ? double.IsNaN(decoded) : decoded == value;
    }
}
