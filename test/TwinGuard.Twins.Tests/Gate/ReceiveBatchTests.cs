using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>A connection's receive batch: a burst's lanes are handed over with its last message, a lone message's run stays with its caller.</summary>
public sealed class ReceiveBatchTests
{
    [Fact]
    public void TryDefer_BurstEnds_HandsItsLaneOverOnceWithTheLastMessage()
    {
        var moreBuffered = true;
        var batch = new ReceiveBatch(() => moreBuffered);
        var runs = 0;
        Action handOff = () => runs++;

        // A receive loop parsing a read of three messages.
        Assert.True(batch.TryDefer(handOff));
        Assert.True(batch.TryDefer(handOff));
        Assert.Equal(0, runs);
        moreBuffered = false; // the last message of the read
        Assert.True(batch.TryDefer(handOff)); // handed over with the burst, not left to the caller to run in place

        Assert.Equal(1, runs); // one hand-over for the three messages of its lane
        Assert.Equal(0, batch.Deferred);
    }

    [Fact]
    public void TryDefer_MessageAlone_LeavesTheRunToTheCaller()
    {
        var runs = 0;
        var batch = new ReceiveBatch(() => false);

        Assert.False(batch.TryDefer(() => runs++)); // a paced device's reading: run at once, where it was received
        Assert.Equal(0, batch.Deferred);
        Assert.Equal(0, runs);
    }

    [Fact]
    public void TryDefer_BatchFull_HandsItOverWithoutWaitingForTheBuffer()
    {
        var batch = new ReceiveBatch(() => true); // a publisher that never lets the buffer empty
        var runs = 0;
        Action handOff = () => runs++;
        for (var i = 0; i < ReceiveBatch.MaxMessages - 1; i++)
        {
            Assert.True(batch.TryDefer(handOff));
        }

        Assert.Equal(0, runs);
        Assert.True(batch.TryDefer(handOff));
        Assert.Equal(1, runs);
        Assert.Equal(0, batch.Deferred);
    }

    [Fact]
    public void Flush_HandsEveryDeferredLaneOverInOrder()
    {
        var batch = new ReceiveBatch(() => true);
        var order = new List<int>();
        Assert.True(batch.TryDefer(() => order.Add(1)));
        Assert.True(batch.TryDefer(() => order.Add(2)));
        Assert.Equal(2, batch.Deferred);

        batch.Flush(); // before a read that may wait for the socket

        Assert.Equal(0, batch.Deferred);
        Assert.Equal([1, 2], order);
    }
}
