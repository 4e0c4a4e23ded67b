using System.Diagnostics;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Bench;

/// <summary>
/// Measures what one thread hop costs while a benchmark runs: every millisecond it queues a work item on the thread
/// pool and records how long the item waited to start. Each stage of the pipeline that hands work to another thread
/// (a channel's reader, a grain's turn) waits as long, so this says how much of a latency tail is the machine's
/// scheduling (runnable threads waiting for a core) rather than the work itself.
/// </summary>
internal sealed class HopProbe : IAsyncDisposable
{
    private readonly LatencyHistogram _waits = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private HopProbe() => _loop = Task.Factory.StartNew(Loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Starts probing.</summary>
    public static HopProbe Start() => new();

    /// <summary>Stops probing and returns the waits' p50, p99 and count.</summary>
    public async Task<HopWaits> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return new HopWaits(_waits.Percentile(0.5).TotalMilliseconds, _waits.Percentile(0.99).TotalMilliseconds, _waits.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private void Loop()
    {
        using var done = new SemaphoreSlim(0);
        while (!_stop.IsCancellationRequested)
        {
            var queued = Stopwatch.GetTimestamp();
            ThreadPool.UnsafeQueueUserWorkItem(
                static state =>
                {
                    state.Waits.Record(Stopwatch.GetElapsedTime(state.Queued));
                    state.Done.Release();
                },
                (Waits: _waits, Queued: queued, Done: done),
                preferLocal: false);
            done.Wait();
            Thread.Sleep(1);
        }
    }
}
