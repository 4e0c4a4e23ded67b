using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using TwinGuard.Twins.Pipeline;

namespace TwinGuard.Twins.Tests.Pipeline;

/// <summary>The bounded lane of work, run one item at a time in order, behind the respond stage and every notifier.</summary>
public sealed class WorkLaneTests
{
    [Fact]
    public async Task TryQueue_LaneFull_RefusesAndQueuesNothing()
    {
        var lane = new WorkLane("test", capacity: 2, runOnCaller: false, NullLogger.Instance);
        var ran = new List<int>();
        Assert.True(lane.TryQueue(_ => Record(ran, 1)));
        Assert.True(lane.TryQueue(_ => Record(ran, 2)));

        Assert.False(lane.TryQueue(_ => Record(ran, 3)));

        lane.Start();
        await lane.StopAsync(CancellationToken.None);
        Assert.Equal([1, 2], ran);
    }

    [Fact]
    public async Task QueueAsync_LaneFull_WaitsForRoomThenRunsInOrder()
    {
        var lane = new WorkLane("test", capacity: 1, runOnCaller: false, NullLogger.Instance);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = new List<int>();
        lane.Start();
        Assert.True(lane.TryQueue(async _ =>
        {
            await gate.Task;
            await Record(ran, 1);
        }));
        // The first item is taken (running, held), the second fills the one place: the third must wait.
        await WaitUntilAsync(() => lane.Waiting == 0);
        Assert.True(lane.TryQueue(_ => Record(ran, 2)));
        var third = lane.QueueAsync(_ => Record(ran, 3)).AsTask();
        Assert.False(third.IsCompleted); // the first item holds the lane, the second its one place

        gate.SetResult();

        Assert.True(await third.WaitAsync(TimeSpan.FromSeconds(10)));
        await lane.StopAsync(CancellationToken.None);
        Assert.Equal([1, 2, 3], ran);
    }

    [Fact]
    public async Task RunAsync_RunsOnTheCallingThreadWhenIdle_AndCompletesWithTheResult()
    {
        var lane = new WorkLane("test", capacity: 4, runOnCaller: true, NullLogger.Instance);
        lane.Start();
        var caller = Environment.CurrentManagedThreadId;
        var ranOn = -1;

        var result = lane.RunAsync(_ =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            return Task.FromResult(42);
        });

        Assert.Equal(caller, ranOn); // before RunAsync returned: no thread hop
        Assert.Equal(42, await result);
        await lane.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RunAsync_AfterStop_FailsInsteadOfWaitingForEver()
    {
        var lane = new WorkLane("test", capacity: 4, runOnCaller: true, NullLogger.Instance);
        lane.Start();
        await lane.StopAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ChannelClosedException>(() => lane.RunAsync(_ => Task.FromResult(1)));
        Assert.False(lane.TryQueue(_ => Task.CompletedTask));
    }

    [Fact]
    public async Task StopAsync_TokenFires_CancelsTheRunningItemAndDropsTheRest()
    {
        var lane = new WorkLane("test", capacity: 4, runOnCaller: false, NullLogger.Instance);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = new List<int>();
        lane.Start();
        lane.TryQueue(async ct =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        lane.TryQueue(_ => Record(ran, 2));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var stop = new CancellationTokenSource();
        var stopping = lane.StopAsync(stop.Token);

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopping.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(ran);
    }

    [Fact]
    public async Task TryQueue_ItemThrows_NextItemStillRuns()
    {
        var lane = new WorkLane("test", capacity: 4, runOnCaller: true, NullLogger.Instance);
        var ran = new List<int>();
        lane.Start();
        lane.TryQueue(_ => throw new InvalidOperationException("broken item"));
        lane.TryQueue(_ => Record(ran, 2));

        await lane.StopAsync(CancellationToken.None);

        Assert.Equal([2], ran);
    }

    private static Task Record(List<int> ran, int item)
    {
        lock (ran)
        {
            ran.Add(item);
        }

        return Task.CompletedTask;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), "condition not met within 10 s");
            await Task.Delay(5);
        }
    }
}
