using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Detection.Tests.Pipeline;

/// <summary>
/// A refit's adoption while every thread-pool thread is busy, as when every twin of a site reaches its adopt row at once
/// (they refit at the same row) and waits there on a pool thread: the fit must not need a pool thread of its own.
/// </summary>
/// <remarks>It caps this process's thread pool, so it runs alone (<see cref="StarvedThreadPoolCollection"/>).</remarks>
[Collection(nameof(StarvedThreadPoolCollection))]
public sealed class OnlineAnomalyDetectorStarvedPoolTests
{
    [Fact]
    public void Push_AtTheAdoptRowWhileEveryPoolThreadIsBusy_AdoptsTheRefit()
    {
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.GetMaxThreads(out var maxWorkers, out var maxIo);
        // Not disposed: a holder the capped pool starts only after the test has ended still waits on it.
        var release = new ManualResetEventSlim();
        try
        {
            // The pool cannot be capped below the processor count. Every thread it may then run is held: a holder each,
            // or other work of this process (the test runner's) where a holder waits in the queue for a thread.
            var cap = Environment.ProcessorCount;
            Assert.True(ThreadPool.SetMinThreads(1, minIo) && ThreadPool.SetMaxThreads(cap, maxIo), "the thread pool could not be capped");
            var holding = 0;
            for (var i = 0; i < cap; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(_ =>
                {
                    Interlocked.Increment(ref holding);
                    release.Wait();
                }, null);
            }

            var full = SpinWait.SpinUntil(() => Volatile.Read(ref holding) == cap || ThreadPool.PendingWorkItemCount > 0, TimeSpan.FromSeconds(60));
            Assert.True(full, "the capped pool neither ran every holder nor queued one");

            var normal = TestData.Gaussian(1000, 3, seed: 5);
            var online = new OnlineAnomalyDetector(3, DetectorCatalog.Create("pca"),
                new OnlineLearningOptions { WarmUp = 300, RefitEvery = 100, History = 1000, AdoptAfter = 40 });
            var pushing = new Thread(() =>
            {
                for (var i = 0; i < 500; i++)
                {
                    online.Push(normal.Row(i));
                }
            }) { IsBackground = true };
            pushing.Start();

            // A hang guard, not a speed goal: before, the fit started at row 399 waited for a pool thread that never came,
            // and row 439 waited for the fit.
            Assert.True(pushing.Join(TimeSpan.FromSeconds(60)), "the refit started at row 399 was not adopted at row 439: its fit waits for a pool thread");
            Assert.Equal(1, online.Refits);
        }
        finally
        {
            release.Set();
            ThreadPool.SetMaxThreads(maxWorkers, maxIo);
            ThreadPool.SetMinThreads(minWorkers, minIo);
        }
    }
}
