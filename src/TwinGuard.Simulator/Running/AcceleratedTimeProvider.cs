namespace TwinGuard.Simulator.Running;

/// <summary>
/// A clock that runs <see cref="Factor"/> times faster than the system clock, for running a campaign faster than real
/// time (tests, and headless simulation where the pipeline shares the same clock).
/// </summary>
/// <remarks>
/// Time starts at the system clock's current time and then advances <see cref="Factor"/> seconds per real second;
/// timers fire after their due time divided by the factor. Whoever consumes the readings must use the same provider,
/// or its staleness and rate checks will disagree with the devices' timestamps.
/// </remarks>
public sealed class AcceleratedTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly DateTimeOffset _origin;
    private readonly long _originTimestamp;

    /// <summary>Creates a clock running <paramref name="factor"/> times faster than <paramref name="inner"/>.</summary>
    /// <param name="factor">Speed-up, at least 1.</param>
    /// <param name="inner">The real clock; <see cref="TimeProvider.System"/> when null.</param>
    public AcceleratedTimeProvider(double factor, TimeProvider? inner = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1.0);
        Factor = factor;
        _inner = inner ?? System;
        _origin = _inner.GetUtcNow();
        _originTimestamp = _inner.GetTimestamp();
    }

    /// <summary>How many times faster than real time this clock runs.</summary>
    public double Factor { get; }

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _origin + (_inner.GetElapsedTime(_originTimestamp) * Factor);

    /// <inheritdoc/>
    public override long GetTimestamp() =>
        _originTimestamp + (long)((_inner.GetTimestamp() - _originTimestamp) * Factor);

    /// <inheritdoc/>
    public override long TimestampFrequency => _inner.TimestampFrequency;

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(_inner.CreateTimer(callback, state, Scale(dueTime, Factor), Scale(period, Factor)), Factor);

    private static TimeSpan Scale(TimeSpan span, double factor) => span == Timeout.InfiniteTimeSpan ? span : span / factor;

    /// <summary>Scales <see cref="ITimer.Change"/> like the creation, so a re-armed timer keeps the clock's pace.</summary>
    private sealed class ScaledTimer(ITimer inner, double factor) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(Scale(dueTime, factor), Scale(period, factor));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
