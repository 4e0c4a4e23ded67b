using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Detection.Tests.Pipeline;

public sealed class RangeWatchTests
{
    [Fact]
    public void Next_ValueBeyondTheRangeByMoreThanTheTolerance_IsOutside()
    {
        var watch = new RangeWatch(2, tolerance: 0.05, minRows: 2);
        Assert.False(watch.Next([0.0, 5.0]));
        Assert.False(watch.Next([10.0, 5.0]));

        // Range of column 0 is [0, 10]: 10.5 is within 5 % of it, 10.6 beyond; column 1 is constant (no range yet).
        Assert.False(watch.Next([10.5, 5.0]));
        Assert.False(watch.Next([10.5, 50.0]));
        Assert.True(watch.Next([11.1, 50.0]));
        Assert.True(watch.Next([-0.6, 50.0]));
        Assert.False(watch.Next([5.0, 50.0]));
        Assert.True(watch.Next([5.0, 52.4]));
    }

    [Fact]
    public void Next_BeforeMinRows_NeverOutside()
    {
        var watch = new RangeWatch(1, tolerance: 0.05, minRows: 5);
        Assert.DoesNotContain(new[] { 0.0, 1.0, 10.0, 100.0, 1000.0 }, v => watch.Next([v]));
        Assert.True(watch.Next([2000.0]));
    }

    [Fact]
    public void Next_NonFiniteValues_AreIgnored_AndResetForgets()
    {
        var watch = new RangeWatch(1, tolerance: 0.05, minRows: 2);
        Assert.False(watch.Next([0.0]));
        Assert.False(watch.Next([1.0]));
        Assert.False(watch.Next([double.NaN]));
        Assert.False(watch.Next([double.PositiveInfinity]));
        Assert.True(watch.Next([2.0]));

        watch.Reset();
        Assert.False(watch.Next([100.0]));
        Assert.False(watch.Next([0.0]));
    }
}
