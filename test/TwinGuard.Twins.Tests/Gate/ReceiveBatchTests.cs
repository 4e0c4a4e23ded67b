using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>A connection's receive batch: a burst's lanes are handed to another thread, a lone message's run stays.</summary>
public sealed class ReceiveBatchTests
{
    [Fact]
    public async Task TryDefer_BurstEnds_RunsItsLaneOnAnotherThreadOnce()
    {
        var moreBuffered = true;
        var batch = new ReceiveBatch(() => moreBuffered);
        var ran = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        Action run = () =>
        {
            Interlocked.Increment(ref runs);
            ran.TrySetResult(Environment.CurrentManagedThreadId);
        };

        // A receive loop parsing a read of three messages, on a thread of its own (as a connection's, never the pool's).
        var receiver = 0;
        var deferred = new List<bool>();
        var thread = new Thread(() =>
        {
            receiver = Environment.CurrentManagedThreadId;
            deferred.Add(batch.TryDefer(run));
            deferred.Add(batch.TryDefer(run));
            moreBuffered = false; // the last message of the read
            deferred.Add(batch.TryDefer(run));
        });
        thread.Start();
        thread.Join();

        Assert.Equal([true, true, true], deferred);
        Assert.Equal(0, batch.Deferred);
        var runner = await ran.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(receiver, runner);
        Assert.Equal(1, Volatile.Read(ref runs)); // one run for the three messages of its lane
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
    public async Task Flush_HandsEveryDeferredLaneOver()
    {
        var batch = new ReceiveBatch(() => true);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(batch.TryDefer(() => first.TrySetResult()));
        Assert.True(batch.TryDefer(() => second.TrySetResult()));
        Assert.Equal(2, batch.Deferred);

        batch.Flush(); // before a read that may wait for the socket

        Assert.Equal(0, batch.Deferred);
        await Task.WhenAll(first.Task, second.Task).WaitAsync(TimeSpan.FromSeconds(60));
    }
}
