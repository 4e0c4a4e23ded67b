using System.Diagnostics;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Commands;

/// <summary>
/// Keeps simulated time from running ahead of the pipeline: after each tick, waits until the gate has decided on every
/// message the simulator handed to the broker, every message the gate admitted has been through its twin, the twin
/// relations have evaluated what the twins sent them, and the findings all this raised have been taken from the
/// evidence queue.
/// </summary>
/// <remarks>
/// <para>The accounting is exact, so the wait has no "no progress for a while" shortcut: a twin that is busy (fitting its
/// multivariate model takes tens of milliseconds at the end of its warm-up) holds the clock until it has caught up.
/// Without that, the clock ran on while a twin fitted, its staleness timer fell due with the device's messages still
/// queued in front of it, and every signal of the asset was reported stale at once.</para>
/// <para>The simulator publishes with acknowledgement (<see cref="Simulator.Running.ScenarioRunOptions"/>), so a message
/// counted as published has been through the gate; one lost with a connection the broker closed is not counted.
/// <see cref="Patience"/> is a safety net for a message lost anyway (a twin call that failed): the tick then goes on and
/// is counted in <see cref="Timeouts"/>, which the report shows.</para>
/// <para>Waiting first spins briefly (a tick usually clears in well under a millisecond), then sleeps 1 ms at a time so
/// that the pipeline has the cores.</para>
/// </remarks>
internal sealed class SimulatePace
{
    /// <summary>Longest real-time wait for one tick: far above any legitimate wait (a model fit), so only a lost message hits it.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly PipelineMetrics _metrics;
    private readonly EvidenceSink _evidence;
    private readonly long _twinsBefore;
    private readonly long _refusedBefore;
    private readonly long _messagesBefore;

    public SimulatePace(PipelineMetrics metrics, EvidenceSink evidence)
    {
        _metrics = metrics;
        _evidence = evidence;
        _twinsBefore = metrics.ArrivalToTwin.Count;
        _refusedBefore = metrics.MessagesRefused;
        _messagesBefore = metrics.Messages;
    }

    /// <summary>Ticks whose wait gave up after <see cref="Patience"/>.</summary>
    public long Timeouts { get; private set; }

    /// <summary>Longest wait of one tick, in real time.</summary>
    public TimeSpan LongestWait { get; private set; }

    /// <summary>Waits until the pipeline has taken in <paramref name="published"/> messages and everything they caused.</summary>
    public async ValueTask WaitAsync(long published, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var spins = 0;
        while (!CaughtUp(published))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Stopwatch.GetElapsedTime(started) > Patience)
            {
                Timeouts++;
                break;
            }

            if (++spins < 64)
            {
                Thread.Yield();
            }
            else
            {
                await Task.Delay(1, CancellationToken.None);
            }
        }

        var waited = Stopwatch.GetElapsedTime(started);
        LongestWait = waited > LongestWait ? waited : LongestWait;
    }

    private bool CaughtUp(long published)
    {
        // Read the gate's count first: a message it counts after this read is not one this check waits for.
        var seen = _metrics.Messages - _messagesBefore;
        if (seen < published)
        {
            return false;
        }

        // Every message the gate has seen (including one a closing connection delivered after its publish failed) is
        // either refused as a whole or has been through its twin.
        var decided = _metrics.ArrivalToTwin.Count - _twinsBefore + _metrics.MessagesRefused - _refusedBefore;
        if (decided < seen)
        {
            return false;
        }

        // A twin counts its messages only after sending their values on to the relations, so every relation update
        // they caused is counted as sent by now; the relations raise their findings before counting one as done.
        return _metrics.RelationUpdatesDone >= _metrics.RelationUpdatesSent
            && (!_evidence.Findings.CanCount || _evidence.Findings.Count == 0);
    }
}
