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

            // Hang guards, not speed goals: the pushes never wait for a fit, and the fit started at row 399 must finish
            // without a pool thread (before, it waited for one that never came); the next row adopts it.
            Assert.True(pushing.Join(TimeSpan.FromSeconds(60)), "the pushes did not return");
            Assert.True(online.PendingFit is not { } fit || SpinWait.SpinUntil(() => fit.IsCompleted, TimeSpan.FromSeconds(60)), "the refit started at row 399 never finished: its fit waits for a pool thread");
            online.Push(normal.Row(500));
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
