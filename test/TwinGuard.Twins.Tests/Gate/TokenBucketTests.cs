using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>The one token bucket of the flood guard and the broker's refusal budget, on a fake clock.</summary>
public sealed class TokenBucketTests
{
    [Fact]
    public void TryTake_PastCapacity_TakesNoneAndSaysWhenEnoughRefill()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(10, 20, clock);
        Assert.True(bucket.TryTake(15, out _));
        Assert.False(bucket.TryTake(6, out var refill));
        Assert.Equal(TimeSpan.FromMilliseconds(100), refill); // one token short at 10 a second

        // The refused take took nothing: the five left are still there.
        Assert.True(bucket.TryTake(5, out _));
        Assert.False(bucket.HasToken(out refill));
        clock.Advance(refill);
        Assert.True(bucket.HasToken(out _));
    }

    [Fact]
    public void TakeOwing_Empty_LeavesADebtRepaidAtTheRate()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(20, 2, clock);
        Assert.Equal(TimeSpan.Zero, bucket.TakeOwing());
        Assert.Equal(TimeSpan.Zero, bucket.TakeOwing());
        Assert.Equal(TimeSpan.FromMilliseconds(50), bucket.TakeOwing());
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.TakeOwing());
        clock.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Equal(TimeSpan.Zero, bucket.TakeOwing()); // three refilled: the debt of two repaid, the third taken
        Assert.False(bucket.HasToken(out _));
    }

    [Fact]
    public void FloodingFor_ShortUntilFullAgain_CountsFromTheFirstShortfall()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(10, 10, clock);
        Assert.Equal(TimeSpan.Zero, bucket.FloodingFor());
        Assert.True(bucket.TryTake(10, out _));
        Assert.False(bucket.TryTake(1, out _));
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.FromMilliseconds(500), bucket.FloodingFor());

        // A second without takes fills the bucket: the flood is over, the next shortfall starts a new one.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, bucket.FloodingFor());
    }
}
