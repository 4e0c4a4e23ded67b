using System.Diagnostics;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>When a lane runs on the thread that queues its messages, and when it leaves them to a runner that batches.</summary>
public sealed class LaneLoadTests
{
    private static readonly long Microsecond = Stopwatch.Frequency / 1_000_000;

    [Fact]
    public void InPlace_NothingMeasuredYet_RunsInPlace() => Assert.True(new LaneLoad().InPlace);

    [Fact]
    public void InPlace_PacedArrivalsWideApart_StaysInPlace()
    {
        var load = new LaneLoad();

        // 10k msgs/s, 5 us per message alone: the lane takes 5 % of its producer's time.
        Feed(load, arrivals: 1_000, gapMicroseconds: 100, costMicroseconds: 5);

        Assert.True(load.InPlace);
    }

    [Fact]
    public void InPlace_ArrivalsFasterThanAFractionOfTheCost_LeavesTheLaneToARunner()
    {
        var load = new LaneLoad();

        // A producer flat out: a message every 3 us, each costing 5 us alone.
        Feed(load, arrivals: 5_000, gapMicroseconds: 3, costMicroseconds: 5);

        Assert.False(load.InPlace);
    }

    [Fact]
    public void InPlace_RateFallsBack_ReturnsInPlace()
    {
        var load = new LaneLoad();
        Feed(load, arrivals: 5_000, gapMicroseconds: 3, costMicroseconds: 5);
        Assert.False(load.InPlace);

        Feed(load, arrivals: 1_000, gapMicroseconds: 100, costMicroseconds: 5, start: 3 * 5_000 * Microsecond);

        Assert.True(load.InPlace);
    }

    [Fact]
    public void InPlace_OneMessageTakesMilliseconds_StaysInPlace()
    {
        var load = new LaneLoad();
        Feed(load, arrivals: 1_000, gapMicroseconds: 100, costMicroseconds: 5);

        load.RanAlone(5_000 * Microsecond); // a refit of the twin's model
        load.Arrived(1_000 * 100 * Microsecond);

        Assert.True(load.InPlace);
    }

    [Fact]
    public void InPlace_TenThousandASecondCostingMoreThanTheGap_StaysInPlace()
    {
        var load = new LaneLoad();

        // 10k msgs/s on a machine so loaded that one message's run takes 150 us: still no faster than a real asset.
        Feed(load, arrivals: 2_000, gapMicroseconds: 100, costMicroseconds: 150);

        Assert.True(load.InPlace);
    }

    [Fact]
    public void InPlace_EveryRunSlowedByALoadedMachine_StaysInPlace()
    {
        var load = new LaneLoad();

        // 10k msgs/s, 5 us per message, but one run in four loses its core for 2 ms.
        for (var i = 0; i < 2_000; i++)
        {
            load.Arrived(i * 100 * Microsecond);
            load.RanAlone((i % 4 == 0 ? 2_000 : 5) * Microsecond);
        }

        Assert.True(load.InPlace);
    }

    [Fact]
    public void InPlace_BurstAfterAPause_StaysInPlace()
    {
        var load = new LaneLoad();
        Feed(load, arrivals: 1_000, gapMicroseconds: 100, costMicroseconds: 5);

        // A paced producer the scheduler held for 30 ms catches up: 300 messages back to back.
        Feed(load, arrivals: 300, gapMicroseconds: 3, costMicroseconds: 5, start: ((999 * 100) + 30_000) * Microsecond);

        Assert.True(load.InPlace);
    }

    private static void Feed(LaneLoad load, int arrivals, long gapMicroseconds, long costMicroseconds, long start = 0)
    {
        for (var i = 0; i < arrivals; i++)
        {
            load.Arrived(start + (i * gapMicroseconds * Microsecond));
            load.RanAlone(costMicroseconds * Microsecond);
        }
    }
}
