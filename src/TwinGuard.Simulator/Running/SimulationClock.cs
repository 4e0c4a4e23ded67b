namespace TwinGuard.Simulator.Running;

/// <summary>
/// A clock that stands still until <see cref="Advance"/> moves it: simulated time for a headless run in which the
/// simulator and the whole pipeline (validation, staleness timers, detectors, Orleans grain timers, playbooks, the
/// ledger) share one notion of now, so a run is as fast as the machine allows and no faster than the pipeline keeps up.
/// </summary>
/// <remarks>
/// <para>Timers fall due during <see cref="Advance"/>, in due order, each with the clock set to its own due time; their
/// callbacks run on the thread pool. Timestamps (<see cref="GetTimestamp"/>) are the simulated time in 100 ns ticks, so elapsed
/// times measured with this provider are simulated durations.</para>
/// <para>Unlike a scaled wall clock, nothing here depends on how busy the machine is: a pipeline that falls behind
/// makes the run slower, never the simulated process faster than the pipeline sees it.</para>
/// </remarks>
public sealed class SimulationClock : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<SimulationTimer> _timers = [];
    private readonly DateTimeOffset _origin;
    private readonly long _originTimestamp;
    private DateTimeOffset _now;
    private long _timerOrder;

    /// <summary>Creates a clock that reads <paramref name="start"/> until it is advanced.</summary>
    public SimulationClock(DateTimeOffset start)
    {
        _now = start;
        _origin = start;
        _originTimestamp = System.GetTimestamp();
    }

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    /// <inheritdoc/>
    public override long GetTimestamp()
    {
        // On the system clock's scale and origin, so that a timestamp taken from Stopwatch and measured here (or the
        // other way round) is off by the simulation's lead rather than by decades; exact in integers.
        var elapsed = (GetUtcNow() - _origin).Ticks;
        var frequency = System.TimestampFrequency;
        return _originTimestamp + (elapsed / TimeSpan.TicksPerSecond * frequency) + (elapsed % TimeSpan.TicksPerSecond * frequency / TimeSpan.TicksPerSecond);
    }

    /// <inheritdoc/>
    public override long TimestampFrequency => System.TimestampFrequency;

    /// <summary>Timers created and not disposed.</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count;
            }
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new SimulationTimer(this, callback, state);
        lock (_lock)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="by"/>, firing every timer that falls due on the way at its due time.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="by"/> is negative.</exception>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_lock)
        {
            target = _now + by;
        }

        while (true)
        {
            SimulationTimer? next = null;
            lock (_lock)
            {
                foreach (var timer in _timers)
                {
                    if (timer.Due is { } due && due <= target
                        && (next is null || due < next.Due || (due == next.Due && timer.Order < next.Order)))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.Due!.Value > _now ? next.Due.Value : _now;
                next.Due = next.Period > TimeSpan.Zero ? _now + next.Period : null;
                next.Order = ++_timerOrder;
            }

            // On the thread pool, never inline: a callback's continuation may wait on this clock again (a loop of
            // delays, each rounded down to whole milliseconds by Task.Delay), which would never end if it ran on the
            // thread that has to move the clock.
            ThreadPool.UnsafeQueueUserWorkItem(static t => t.Fire(), next, preferLocal: false);
        }
    }

    private void Schedule(SimulationTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (_lock)
        {
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            timer.Due = dueTime == Timeout.InfiniteTimeSpan ? null : _now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
            timer.Order = ++_timerOrder;
        }
    }

    private void Remove(SimulationTimer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class SimulationTimer(SimulationClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public TimeSpan Period { get; set; }

        public long Order { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            clock.Schedule(this, dueTime, period);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose() => clock.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
