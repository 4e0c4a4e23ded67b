using System.Collections.Concurrent;
using TwinGuard.Twins.Pipeline;

namespace TwinGuard.Twins.Tests.Pipeline;

/// <summary>The runner that lets a stage take its work on the thread that queued it, one runner at a time.</summary>
public sealed class InlineRunnerTests
{
    [Fact]
    public void Kick_IdleStage_DrainsOnTheCallingThreadBeforeReturning()
    {
        var queue = new ConcurrentQueue<int>();
        var drainedOn = -1;
        var runner = new InlineRunner(
            () =>
            {
                drainedOn = Environment.CurrentManagedThreadId;
                while (queue.TryDequeue(out _))
                {
                }

                return ValueTask.CompletedTask;
            },
            () => !queue.IsEmpty);

        queue.Enqueue(1);
        runner.Kick();

        Assert.Equal(Environment.CurrentManagedThreadId, drainedOn);
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public async Task Kick_FromManyThreads_TakesEveryItemOnceWithOneRunnerAtATime()
    {
        const int Threads = 4;
        const int PerThread = 20_000;
        var queue = new ConcurrentQueue<int>();
        var seen = new int[Threads * PerThread];
        var (inside, overlaps) = (0, 0);
        var runner = new InlineRunner(
            async () =>
            {
                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                for (var taken = 0; taken < 64 && queue.TryDequeue(out var item); taken++)
                {
                    seen[item]++;
                }

                if (queue.Count % 7 == 0)
                {
                    await Task.Yield(); // a round that goes asynchronous keeps the stage to itself
                }

                Interlocked.Decrement(ref inside);
            },
            () => !queue.IsEmpty);

        using var start = new Barrier(Threads);
        var producers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (var i = 0; i < PerThread; i++)
                {
                    queue.Enqueue((t * PerThread) + i);
                    runner.Kick();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(producers);
        await runner.IdleAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, overlaps);
        Assert.True(queue.IsEmpty);
        Assert.All(seen, count => Assert.Equal(1, count));
    }
}
