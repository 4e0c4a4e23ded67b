using TwinGuard.Server.Access;
using TwinGuard.Simulator.Attacks;
using TwinGuard.Simulator.Running;
using TwinGuard.Simulator.Scoring;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Commands;

/// <summary>
/// The operator of <c>twinguard demo</c>: reviews every containment in force and, once no attack on its target is
/// running any more, releases it through the path of <c>POST /api/quarantines/{id}/release</c>
/// (<see cref="ResponseEngine.ReleaseAsync(long, string, string, CancellationToken)"/>: lifted, recorded as an action and
/// in the ledger, its incident closed). Without it, the lockdown of one attack (the water-loop PLC cut off after a
/// replay) would blind the twins for the rest of the campaign and turn every later minute into stale and quarantined
/// findings.
/// </summary>
/// <remarks>
/// Like a person, it takes <see cref="ReviewTime"/> to look at a containment before releasing it, and it never
/// releases one while an attack on that device, asset or signal is still running (or ended less than
/// <see cref="ReviewTime"/> ago). It knows the campaign's ground truth because it stands for the person who has
/// investigated the incident; the pipeline never learns it. Whether an attack is over is judged on the campaign's own
/// clock (<see cref="SimulatorRunner.Position"/>), not the wall clock: on a loaded machine the simulator's ticks run late,
/// and an attack whose last messages are still to be sent is not over (released early, the device was contained again
/// by those messages, during the next attack on it, which then went unseen).
/// </remarks>
internal sealed class DemoOperator(ResponseEngine engine, WriteRecorder writes, IReadOnlyList<AttackPlan> attacks, TimeProvider time)
{
    /// <summary>Who the releases are recorded as.</summary>
    public const string Name = "demo-operator";

    /// <summary>How long the operator looks at a containment, and waits after an attack ends, before releasing.</summary>
    public static readonly TimeSpan ReviewTime = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);
    private readonly List<DemoRelease> _releases = [];

    /// <summary>The releases made so far, in order.</summary>
    public IReadOnlyList<DemoRelease> Releases => _releases;

    /// <summary>
    /// Reviews every 250 ms once the run has started (<paramref name="startedAt"/> and <paramref name="position"/>, how far
    /// the campaign has been played, are not null), until cancelled.
    /// </summary>
    public async Task RunAsync(Func<DateTimeOffset?> startedAt, Func<TimeSpan?> position, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (startedAt() is { } start && position() is { } played)
                {
                    await ReviewAsync(start, played, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    /// <summary>
    /// Releases every containment that has been looked at and whose attack (if any) is over when the campaign has been
    /// played up to <paramref name="offset"/>.
    /// </summary>
    public async Task ReviewAsync(DateTimeOffset runStart, TimeSpan offset, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var entry in writes.Read(s => s.Quarantines()))
        {
            if (now - entry.Since < ReviewTime
                || attacks.Any(a => offset >= a.Start && offset <= a.End + ReviewTime && CampaignScorer.Concerns(a.Target, entry.Target)))
            {
                continue;
            }

            var over = attacks.Where(a => a.End < offset && CampaignScorer.Concerns(a.Target, entry.Target)).MaxBy(a => a.End);
            var why = over is null
                ? "reviewed: no attack on this target"
                : $"reviewed: the {over.Name} attack on {over.Target} is over";
            if (await engine.ReleaseAsync(entry.Id, Name, why, cancellationToken))
            {
                _releases.Add(new DemoRelease((now - runStart).TotalSeconds, ResponseStore.Name(entry.Kind), entry.Target, over?.Name));
            }
        }
    }
}
