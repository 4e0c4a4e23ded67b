using TwinGuard.Intel.Index;

namespace TwinGuard.Intel.Tests.Index;

public sealed class IpRangeTableTests
{
    private static UInt128 V4(byte a, byte b, byte c, byte d) => (UInt128)(((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d) << 96;

    [Fact]
    public void Covering_NestedAndAdjacentNetworks_ReturnsEveryCoverWidestFirst()
    {
        var table = IpRangeTable.Build(
        [
            (V4(10, 0, 0, 0), 8, 1),
            (V4(10, 1, 0, 0), 16, 2),
            (V4(10, 1, 2, 0), 24, 3),
            (V4(10, 2, 0, 0), 16, 4),
            (V4(11, 0, 0, 0), 8, 5),
        ]);

        Assert.Equal([1, 2, 3], table.Covering(V4(10, 1, 2, 200)).ToArray());
        Assert.Equal([1, 2], table.Covering(V4(10, 1, 3, 0)).ToArray());
        Assert.Equal([1, 4], table.Covering(V4(10, 2, 255, 255)).ToArray());
        Assert.Equal([1], table.Covering(V4(10, 255, 255, 255)).ToArray());
        Assert.Equal([5], table.Covering(V4(11, 0, 0, 0)).ToArray());
        Assert.True(table.Covering(V4(9, 255, 255, 255)).IsEmpty);
        Assert.True(table.Covering(V4(12, 0, 0, 0)).IsEmpty);
        Assert.Equal(9, table.Intervals); // none, 1, 1+2, 1+2+3, 1+2, 1+4, 1, 5, none
    }

    [Fact]
    public void Covering_WholeSpaceAndTopBlock_HandlesTheEnd()
    {
        var table = IpRangeTable.Build([(UInt128.Zero, 0, 1), (UInt128.MaxValue << 8, 120, 2)]);

        Assert.Equal([1], table.Covering(UInt128.Zero).ToArray());
        Assert.Equal([1, 2], table.Covering(UInt128.MaxValue).ToArray());
        Assert.Equal([1], table.Covering((UInt128.MaxValue << 8) - 1).ToArray());
    }

    [Fact]
    public void Covering_Empty_ReturnsNothing()
    {
        Assert.True(IpRangeTable.Empty.Covering(UInt128.One).IsEmpty);
    }
}
