using TwinGuard.Simulator.Attacks;

namespace TwinGuard.Simulator.Scoring;

/// <summary>Scores what the pipeline observed against a campaign's ground truth.</summary>
/// <remarks>
/// <para>An observation matches an attack when it falls within [start, end + <see cref="Grace"/>] and agrees with the
/// attack's target on every field both of them name (device, asset, signal), with at least one field compared.
/// So a finding on <c>pump1</c> without a signal matches a spike on <c>pump1.flow</c>; a finding on
/// <c>pump1.motor_current</c> does not; a refusal that names only the device matches an attack on that device.</para>
/// <para>An observation within the run that matches no attack is a false alarm, even inside another attack's window.
/// False alarms per hour divide by the time of normal operation: the run minus the union of the attack windows plus
/// grace. Observations before the run or after its end that match no attack (a pipeline reporting stale signals once
/// the simulator has stopped) are only counted in <see cref="CampaignScore.OutsideRun"/>.</para>
/// </remarks>
public sealed class CampaignScorer
{
    /// <summary>Creates a scorer.</summary>
    /// <param name="grace">How long after an attack ends a detection still counts; 5 s when null.</param>
    public CampaignScorer(TimeSpan? grace = null)
    {
        Grace = grace ?? TimeSpan.FromSeconds(5);
        ArgumentOutOfRangeException.ThrowIfLessThan(Grace, TimeSpan.Zero, nameof(grace));
    }

    /// <summary>How long after an attack's end an observation still counts as detecting it.</summary>
    public TimeSpan Grace { get; }

    /// <summary>Scores a run.</summary>
    /// <param name="attacks">The ground truth (offsets from <paramref name="runStart"/>).</param>
    /// <param name="runStart">Wall-clock time of the run's start.</param>
    /// <param name="runDuration">How long the run lasted; attacks that had not started by then are left out.</param>
    /// <param name="observations">What the pipeline reported, in any order.</param>
    public CampaignScore Score(
        IReadOnlyList<AttackPlan> attacks,
        DateTimeOffset runStart,
        TimeSpan runDuration,
        IEnumerable<Observation> observations)
    {
        ArgumentNullException.ThrowIfNull(attacks);
        ArgumentNullException.ThrowIfNull(observations);
        var staged = attacks.Where(a => a.Start < runDuration).OrderBy(a => a.Start).ToList();
        var ordered = observations.OrderBy(o => o.Time).ToList();

        var matched = new bool[ordered.Count];
        var scores = new List<AttackScore>(staged.Count);
        foreach (var attack in staged)
        {
            var (from, to) = attack.At(runStart);
            to += Grace;
            Observation? first = null;
            var count = 0;
            for (var i = 0; i < ordered.Count; i++)
            {
                var observation = ordered[i];
                if (observation.Time < from || observation.Time > to || !Matches(attack.Target, observation))
                {
                    continue;
                }

                matched[i] = true;
                first ??= observation;
                count++;
            }

            scores.Add(new AttackScore(attack, first is not null, first is null ? null : first.Time - from, first, count));
        }

        // What the pipeline reports after the plant has gone quiet (stale signals once the devices disconnect) or before
        // it started is about the run's edges, not about normal operation: neither a detection nor a false alarm.
        var runEnd = runStart + runDuration;
        var falseAlarms = ordered.Where((o, i) => !matched[i] && o.Time >= runStart && o.Time <= runEnd).ToList();
        var outside = ordered.Where((o, i) => !matched[i] && (o.Time < runStart || o.Time > runEnd)).Count();
        var normal = runDuration - AttackTime(staged, runDuration);
        var perHour = normal > TimeSpan.Zero ? falseAlarms.Count / normal.TotalHours : 0.0;
        return new CampaignScore(scores, falseAlarms, normal, perHour, outside);
    }

    /// <summary>Whether an observation points at an attack's target (see the class remarks).</summary>
    public static bool Matches(AttackTarget target, Observation observation)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(observation);
        var compared = 0;
        if (!Agree(target.DeviceId, observation.DeviceId, ref compared)
            || !Agree(target.AssetId, observation.AssetId, ref compared)
            || !Agree(target.SignalId, observation.SignalId, ref compared))
        {
            return false;
        }

        return compared > 0;

        static bool Agree(string? expected, string? actual, ref int compared)
        {
            if (expected is null || actual is null)
            {
                return true;
            }

            compared++;
            return string.Equals(expected, actual, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The first response action that contained an attack: it contains (<see cref="ResponseObservation.Contains"/>), it
    /// concerns the attack's target (<see cref="Concerns"/>), and it came between the attack's start and its end plus
    /// <see cref="Grace"/>; null when none did.
    /// </summary>
    public ResponseObservation? FirstContainment(AttackPlan attack, DateTimeOffset runStart, IEnumerable<ResponseObservation> actions)
    {
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(actions);
        var (from, to) = attack.At(runStart);
        return actions
            .Where(a => a.Contains && a.Time >= from && a.Time <= to + Grace && Concerns(attack.Target, a.Target))
            .MinBy(a => a.Time);
    }

    /// <summary>
    /// Whether a containment's target (a device id, an asset id or <c>asset/signal</c>, as the respond stage names them)
    /// is the attacked device, the attacked asset or one of its signals.
    /// </summary>
    public static bool Concerns(AttackTarget attack, string containmentTarget)
    {
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(containmentTarget);
        return containmentTarget == attack.DeviceId
            || (attack.AssetId is { } asset
                && (containmentTarget == asset || (containmentTarget.StartsWith(asset, StringComparison.Ordinal) && containmentTarget.Length > asset.Length && containmentTarget[asset.Length] == '/')));
    }

    private TimeSpan AttackTime(List<AttackPlan> staged, TimeSpan runDuration)
    {
        // Length of the union of [start, end + grace], clipped to the run.
        var windows = staged
            .Select(a => (Start: a.Start, End: a.End + Grace < runDuration ? a.End + Grace : runDuration))
            .OrderBy(w => w.Start)
            .ToList();
        var total = TimeSpan.Zero;
        TimeSpan? currentStart = null, currentEnd = null;
        foreach (var (start, end) in windows)
        {
            if (currentEnd is null || start > currentEnd)
            {
                if (currentEnd is not null)
                {
                    total += currentEnd.Value - currentStart!.Value;
                }

                (currentStart, currentEnd) = (start, end);
            }
            else if (end > currentEnd)
            {
                currentEnd = end;
            }
        }

        if (currentEnd is not null)
        {
            total += currentEnd.Value - currentStart!.Value;
        }

        return total;
    }
}
