using System.Diagnostics;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Commands;

/// <summary>
/// Keeps simulated time from running ahead of the pipeline: after each tick, waits until every message the simulator
/// handed to the broker has passed the gate and every message the gate admitted has been through its twin.
/// </summary>
/// <remarks>
/// <para>The gate counts each message as it arrives; a message either reaches its twin (counted there) or is refused
/// at the gate with one message-level finding. Signal quarantines refuse values rather than messages, and a message
/// whose every value is quarantined leaves no message-level trace: once the gate has counted every message, the wait
/// ends when the twins make no progress for <see cref="Settle"/> (counted in <see cref="Settled"/>), and in any case
/// after <see cref="Patience"/> of real time (counted in <see cref="Timeouts"/>); the report shows both.</para>
/// <para>Waiting first spins briefly (a tick usually clears in well under a millisecond), then sleeps 1 ms at a time
/// so that the pipeline has the cores.</para>
/// </remarks>
internal sealed class SimulatePace
{
    /// <summary>Longest real-time wait for one tick.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the twins may make no progress, once the gate has seen every message, before the tick ends.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(10);

    private readonly PipelineMetrics _metrics;
    private readonly EvidenceSink _evidence;
    private long _gateRefused;
    private long _twinsBefore;

    public SimulatePace(PipelineMetrics metrics, EvidenceSink evidence)
    {
        _metrics = metrics;
        _evidence = evidence;
        _twinsBefore = metrics.ArrivalToTwin.Count;
        evidence.Raised += OnRaised;
    }

    /// <summary>Ticks whose wait gave up.</summary>
    public long Timeouts { get; private set; }

    /// <summary>Waits until the pipeline has taken in <paramref name="published"/> messages.</summary>
    public async ValueTask WaitAsync(long published, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        long? gateSeenAt = null;
        var lastAccounted = -1L;
        var spins = 0;
        while (!CaughtUp(published))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Stopwatch.GetElapsedTime(started) > Patience)
            {
                Timeouts++;
                return;
            }

            // Once the gate has counted every message, a pipeline that stops making progress has dropped something
            // without a message-level trace (a quarantined signal): waiting longer would only slow the run down.
            if (_metrics.Messages >= published)
            {
                var accounted = Accounted;
                if (accounted != lastAccounted)
                {
                    (lastAccounted, gateSeenAt) = (accounted, Stopwatch.GetTimestamp());
                }
                else if (Stopwatch.GetElapsedTime(gateSeenAt!.Value) > Settle)
                {
                    Settled++;
                    return;
                }
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
    }

    /// <summary>Ticks that ended because the pipeline stopped making progress with messages unaccounted for.</summary>
    public long Settled { get; private set; }

    private long Accounted => _metrics.ArrivalToTwin.Count - _twinsBefore + Interlocked.Read(ref _gateRefused);

    private bool CaughtUp(long published) =>
        _metrics.Messages >= published
        && Accounted >= published
        && (!_evidence.Findings.CanCount || _evidence.Findings.Count == 0);

    private void OnRaised(Finding finding)
    {
        // One finding per message the gate refuses as a whole (a refused connection carries no message).
        var refusedMessage = finding.Reason switch
        {
            ReasonCode.UnauthorisedTopic or ReasonCode.UnknownAsset or ReasonCode.UnknownSignal
                or ReasonCode.Flooding or ReasonCode.Malformed => true,
            ReasonCode.Quarantined => finding.SignalId is null && finding.DeviceId is not null && !IsConnection(finding),
            _ => false,
        };
        if (refusedMessage)
        {
            Interlocked.Increment(ref _gateRefused);
        }
    }

    private static bool IsConnection(Finding finding) => finding.Message.Contains("connection from", StringComparison.Ordinal);
}
