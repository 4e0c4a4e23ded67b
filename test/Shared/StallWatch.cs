using System.Diagnostics;
using System.Globalization;

namespace TwinGuard.Testing;

/// <summary>
/// Watches the test process for stalls while a test runs, so that a failure caused by one says which kind it was.
/// </summary>
/// <remarks>
/// <para>Why: the demo's test (serve and the simulator in this process) failed in CI once because the whole process stood
/// still for 2.5 s, and what stopped it could not be told afterwards. A thread of its own wakes every 50 ms and notes how
/// late it woke (late too: the process or the machine stood still, a GC's suspension or the scheduler) and how long a
/// thread-pool work item queued at that moment waited to run (only that late: thread-pool starvation, pool threads
/// blocked), and the GC's pause time over the test.</para>
/// </remarks>
internal sealed class StallWatch : IDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(50);

    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _pausedBefore = GC.GetTotalPauseDuration();
    private readonly int _gen2Before = GC.CollectionCount(2);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private (TimeSpan Late, TimeSpan At) _worstWake;
    private (TimeSpan Wait, TimeSpan At, int Threads, long Pending) _worstPool;
    private long _probeQueuedAt = -1;

    public StallWatch()
    {
        _thread = new Thread(Watch) { IsBackground = true, Name = "stall watch" };
        _thread.Start();
    }

    /// <summary>What was seen so far: the latest wake-up, the longest pool wait, and GC pauses.</summary>
    public string Report()
    {
        lock (_gate)
        {
            var probe = Interlocked.Read(ref _probeQueuedAt);
            var waiting = probe < 0 ? TimeSpan.Zero : _clock.Elapsed - TimeSpan.FromTicks(probe);
            var still = waiting > TimeSpan.FromSeconds(1)
                ? string.Create(CultureInfo.InvariantCulture, $", one still waiting after {waiting.TotalMilliseconds:0} ms")
                : string.Empty;
            var paused = GC.GetTotalPauseDuration() - _pausedBefore;
            return string.Create(
                CultureInfo.InvariantCulture,
                $"stall watch over {_clock.Elapsed.TotalSeconds:0} s: its own thread woke up to {_worstWake.Late.TotalMilliseconds:0} ms late (at {_worstWake.At.TotalSeconds:0.0} s); a pool work item waited up to {_worstPool.Wait.TotalMilliseconds:0} ms (at {_worstPool.At.TotalSeconds:0.0} s, {_worstPool.Threads} pool threads, {_worstPool.Pending} items queued){still}; GC paused {paused.TotalMilliseconds:0} ms in all, {GC.CollectionCount(2) - _gen2Before} gen2 collections");
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }

    private void Watch()
    {
        var expected = _clock.Elapsed + Every;
        while (!_stop.Token.WaitHandle.WaitOne(Every))
        {
            var now = _clock.Elapsed;
            lock (_gate)
            {
                if (now - expected > _worstWake.Late)
                {
                    _worstWake = (now - expected, now);
                }
            }

            expected = now + Every;
            if (Interlocked.CompareExchange(ref _probeQueuedAt, now.Ticks, -1) == -1)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static watch => watch.ProbeRan(), this, preferLocal: false);
            }
        }
    }

    private void ProbeRan()
    {
        var now = _clock.Elapsed;
        var wait = now - TimeSpan.FromTicks(Interlocked.Read(ref _probeQueuedAt));
        lock (_gate)
        {
            if (wait > _worstPool.Wait)
            {
                _worstPool = (wait, now, ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount);
            }
        }

        Interlocked.Exchange(ref _probeQueuedAt, -1);
    }
}
