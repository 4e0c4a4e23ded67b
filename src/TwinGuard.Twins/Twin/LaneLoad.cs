using System.Diagnostics;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// Whether an asset's lane is worth running on the thread that queues its messages: yes while running one message
/// alone takes a small part of the time between arrivals or the lane is no faster than any real asset, no once
/// messages come faster than both.
/// </summary>
/// <remarks>
/// <para>Why: run in place, a message reaches its twin with no thread hop (arrival to finding in microseconds at 10k
/// msgs/s), but it is also its own ledger entry and its own twin entry, and its producer's thread does all of it: a
/// single connection flat out then runs at the speed of one message's whole path, half of what the same path does in
/// batches on a second core. When the lane is busy for a large part of the gaps between arrivals, the producer only
/// queues, and one thread-pool runner takes the backlog that forms meanwhile as one ledger batch and one twin entry.</para>
/// <para>Both figures are moving averages of <see cref="Stopwatch"/> ticks (a measurement of this machine's speed,
/// not a time of the domain, so not the site's <see cref="TimeProvider"/>). <see cref="Arrived"/> may race between
/// producers of one asset: an update lost now and then leaves an estimate, which is all this is.</para>
/// </remarks>
internal sealed class LaneLoad
{
    /// <summary>The lane runs in place while one message alone takes under 1/<c>Share</c> of the gap between arrivals.</summary>
    internal const int Share = 4;

    /// <summary>Longest gap counted: a lane idle for minutes is as idle as one idle for 100 ms.</summary>
    private static readonly long LongestGap = Stopwatch.Frequency / 10;

    /// <summary>The gap assumed before any arrival (1,000 msgs/s): a lane starts in place.</summary>
    private static readonly long FirstGap = Stopwatch.Frequency / 1000;

    private static readonly long OneMicrosecond = Math.Max(1, Stopwatch.Frequency / 1_000_000);

    private long _lastArrival;
    private long _gap = FirstGap;
    private long _soloCost;

    /// <summary>
    /// Arrivals closer than this on average (over 40,000 messages a second for one asset: a flood, a replay, a bench;
    /// no device of a real asset publishes that fast) may leave the lane to a runner; slower lanes always run in place.
    /// </summary>
    /// <remarks>
    /// Why a rate besides the cost: on a loaded machine every run takes longer than its message needs (the thread loses
    /// its core), so the cost estimate alone would send a paced lane through the thread pool exactly when a hop waits
    /// longest (p99 of tens of ms at load 50 on this project's 2-core machine).
    /// </remarks>
    private static readonly long BatchingGap = Stopwatch.Frequency / 40_000;

    /// <summary>True when the thread that queued a message should run the lane itself.</summary>
    public bool InPlace
    {
        get
        {
            var gap = Volatile.Read(ref _gap);
            return gap >= BatchingGap || Volatile.Read(ref _soloCost) * Share < gap;
        }
    }

    /// <summary>Notes an arrival at <paramref name="now"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    /// <remarks>
    /// The gap is averaged over the last few hundred arrivals (a 256th of each new one), so that it is the lane's rate
    /// and not its burstiness: a paced producer that the scheduler held for 30 ms sends its next few hundred messages
    /// back to back, and its lane stays in place, where a thread-pool hop would wait longest.
    /// </remarks>
    public void Arrived(long now)
    {
        var gap = Math.Clamp(now - _lastArrival, 0, LongestGap);
        _lastArrival = now;
        var average = _gap;
        Volatile.Write(ref _gap, average + ((gap - average) / 256));
    }

    /// <summary>Notes that running one message alone (recorded and through its twin) took <paramref name="ticks"/>; only the lane's runner calls it.</summary>
    /// <remarks>
    /// The estimate follows the cheap runs: it falls a quarter of the way to a cheaper sample and rises a thirty-second
    /// of the way to a dearer one, which counts at most twice the estimate (plus a microsecond). A run is dearer than
    /// the message when the thread lost its core meanwhile (a loaded machine) or the message refitted the twin's model
    /// (milliseconds, once in a few thousand states); neither says anything about the next message, and both would
    /// otherwise send a paced lane's next messages through the thread pool, whose wait is then longest.
    /// </remarks>
    public void RanAlone(long ticks)
    {
        var estimate = _soloCost;
        var sample = Math.Clamp(ticks, 0, (2 * estimate) + OneMicrosecond);
        Volatile.Write(ref _soloCost, estimate + ((sample - estimate) / (sample < estimate ? 4 : 32)));
    }
}
