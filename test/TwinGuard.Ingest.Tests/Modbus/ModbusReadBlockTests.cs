using TwinGuard.Ingest.Modbus;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Modbus;

public sealed class ModbusReadBlockTests
{
    private static ModbusPoint Point(ModbusTable table, int address, ModbusValueType type = ModbusValueType.UInt16) =>
        new("a", $"s{address}", table, address, type, ModbusWordOrder.HighFirst, 1, 0);

    [Fact]
    public void Plan_AdjacentPoints_ShareOneRead()
    {
        var blocks = ModbusReadBlock.Plan([Point(ModbusTable.Input, 0), Point(ModbusTable.Input, 1, ModbusValueType.Float32), Point(ModbusTable.Input, 3)]);

        var block = Assert.Single(blocks);
        Assert.Equal((ModbusTable.Input, 0, 4, 3), (block.Table, block.Address, block.Count, block.Points.Count));
    }

    [Fact]
    public void Plan_GapOrOtherTable_SplitsReads()
    {
        var blocks = ModbusReadBlock.Plan([Point(ModbusTable.Holding, 0), Point(ModbusTable.Holding, 5), Point(ModbusTable.Input, 1), Point(ModbusTable.Coil, 0, ModbusValueType.Bool)]);

        Assert.Equal(4, blocks.Count);
        Assert.Contains(blocks, b => b.Table == ModbusTable.Holding && b.Address == 5 && b.Count == 1);
    }

    [Fact]
    public void Plan_MoreThan125Registers_SplitsAtTheProtocolMaximum()
    {
        var blocks = ModbusReadBlock.Plan(Enumerable.Range(0, 130).Select(i => Point(ModbusTable.Holding, i)));

        Assert.Equal([125, 5], blocks.Select(b => b.Count));
    }
}
