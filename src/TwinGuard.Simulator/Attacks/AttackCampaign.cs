using System.Globalization;
using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Physics;

namespace TwinGuard.Simulator.Attacks;

/// <summary>
/// A deterministic schedule of attacks with their ground truth: the same seed, duration and attack set always give
/// the same campaign.
/// </summary>
/// <remarks>
/// <para>Layout: the first <see cref="WarmUp"/> (at least 20 s, a quarter of long runs) and the last
/// <see cref="Tail"/> (at least 5 s) are clean, so that baselines can learn and late detections can land. Attacks are
/// shuffled by the seed and laid out one after the other with at least 3 s of clean operation between them, spread
/// evenly over the time left. When they do not fit in one row (the 60 s demo), they run in as few parallel rows as
/// needed, and attacks that overlap in time never share a device or an asset, so that each one's ground truth stays
/// unambiguous.</para>
/// <para>All times are on the 250 ms sample grid.</para>
/// </remarks>
public sealed class AttackCampaign
{
    /// <summary>The shortest clean start of any campaign.</summary>
    public static readonly TimeSpan MinimumWarmUp = TimeSpan.FromSeconds(20);

    /// <summary>The shortest clean end of any campaign.</summary>
    public static readonly TimeSpan MinimumTail = TimeSpan.FromSeconds(5);

    private const int MinGapTicks = 12;

    // More concurrent attacks than this would run out of distinct devices and assets to aim at.
    private const int MaxLanes = 3;

    private AttackCampaign(int seed, TimeSpan duration, TimeSpan warmUp, TimeSpan tail, IReadOnlyList<AttackPlan> attacks)
    {
        Seed = seed;
        Duration = duration;
        WarmUp = warmUp;
        Tail = tail;
        Attacks = attacks;
    }

    /// <summary>The seed the campaign was made from.</summary>
    public int Seed { get; }

    /// <summary>The run's duration.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Clean operation at the start.</summary>
    public TimeSpan WarmUp { get; }

    /// <summary>Clean operation at the end.</summary>
    public TimeSpan Tail { get; }

    /// <summary>The attacks, ordered by start (then name).</summary>
    public IReadOnlyList<AttackPlan> Attacks { get; }

    /// <summary>The attacks active at an offset from the start of the run.</summary>
    public IEnumerable<AttackPlan> ActiveAt(TimeSpan offset) => Attacks.Where(a => a.IsActiveAt(offset));

    /// <summary>Number of ticks (sample periods) of an attack, by kind.</summary>
    internal static int LengthTicks(AttackKind kind) => kind switch
    {
        AttackKind.Spike => 4,            // a few compromised samples
        AttackKind.Frozen => 60,          // 15 s: longer than the plant model's frozen_samples (40) with margin
        AttackKind.Drift => 48,           // 12 s for the bias to grow well beyond the noise
        AttackKind.Replay => 24,          // 6 s of replayed messages
        AttackKind.Flood => 12,           // 3 s at 50x
        AttackKind.UnknownDevice => 12,   // 3 s, one connection attempt per second
        AttackKind.WrongTopic => 8,       // 2 s, one message per sample
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown attack kind"),
    };

    /// <summary>Makes the campaign for the sample plant's devices.</summary>
    /// <param name="seed">Seed of the layout and target choices.</param>
    /// <param name="duration">The run's duration.</param>
    /// <param name="attackNames">Names from <see cref="AttackNames.All"/>; empty for a clean run.</param>
    /// <param name="devices">The plant's devices; <see cref="SamplePlant.Devices"/> when null.</param>
    /// <exception cref="ArgumentException">
    /// An unknown attack name, or a duration too short to fit the warm-up, the attacks and the tail.
    /// </exception>
    public static AttackCampaign Create(
        int seed,
        TimeSpan duration,
        IEnumerable<string> attackNames,
        IReadOnlyList<DeviceProfile>? devices = null)
    {
        ArgumentNullException.ThrowIfNull(attackNames);
        devices ??= SamplePlant.Devices;
        var period = SamplePlant.Period;
        var totalTicks = (int)(duration.Ticks / period.Ticks);
        var warmTicks = CeilTicks(Max(MinimumWarmUp, duration / 4));
        var tailTicks = CeilTicks(Max(MinimumTail, duration / 20));

        List<AttackKind> kinds;
        try
        {
            kinds = attackNames.Select(AttackNames.KindOf).Distinct().ToList();
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, nameof(attackNames), e);
        }

        if (kinds.Count == 0)
        {
            if (totalTicks <= 0)
            {
                throw new ArgumentException($"duration {duration} is not positive", nameof(duration));
            }

            return new AttackCampaign(seed, duration, period * Math.Min(warmTicks, totalTicks), period * tailTicks, []);
        }

        var random = new GaussianRandom(GaussianRandom.DeriveSeed(seed, 2));
        // Sorting first makes the shuffle independent of the order the names were given in.
        kinds.Sort();
        for (var i = kinds.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (kinds[i], kinds[j]) = (kinds[j], kinds[i]);
        }

        var lanes = LayOut(kinds, totalTicks);
        if (lanes is null)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"duration {duration.TotalSeconds:0.##} s is too short for the attacks {string.Join(", ", kinds.Select(AttackNames.NameOf))}: " +
                    $"with a clean warm-up of at least {MinimumWarmUp.TotalSeconds:0} s and a clean tail they need at least {MinimumDuration(kinds.Select(AttackNames.NameOf)).TotalSeconds:0.##} s"),
                nameof(duration));
        }

        var available = totalTicks - warmTicks - tailTicks;

        var windows = new List<(AttackKind Kind, int Start, int End)>();
        for (var lane = 0; lane < lanes.Count; lane++)
        {
            var members = lanes[lane];
            var lengths = members.Sum(LengthTicks);
            var slack = available - lengths;
            int gap;
            int offset;
            if (slack >= members.Count * MinGapTicks)
            {
                gap = slack / members.Count;
                offset = Math.Min(gap * lane / lanes.Count, slack - ((members.Count - 1) * gap));
            }
            else
            {
                gap = MinGapTicks;
                offset = 0;
            }

            var start = warmTicks + offset;
            foreach (var kind in members)
            {
                var end = start + LengthTicks(kind) - 1;
                windows.Add((kind, start, end));
                start = end + 1 + gap;
            }
        }

        windows.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Kind.CompareTo(b.Kind));
        var plans = new List<AttackPlan>(windows.Count);
        foreach (var (kind, start, end) in windows)
        {
            plans.Add(Plan(kind, start, end, random, devices, plans));
        }

        return new AttackCampaign(seed, duration, period * warmTicks, period * tailTicks, plans);
    }

    /// <summary>The shortest run (whole seconds) that fits the given attacks.</summary>
    /// <exception cref="ArgumentException">An unknown attack name.</exception>
    public static TimeSpan MinimumDuration(IEnumerable<string> attackNames)
    {
        ArgumentNullException.ThrowIfNull(attackNames);
        List<AttackKind> kinds;
        try
        {
            kinds = attackNames.Select(AttackNames.KindOf).Distinct().ToList();
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, nameof(attackNames), e);
        }

        for (var seconds = 1; ; seconds++)
        {
            var ticks = (int)(TimeSpan.FromSeconds(seconds).Ticks / SamplePlant.Period.Ticks);
            if (kinds.Count == 0 || LayOut(kinds, ticks) is not null)
            {
                return TimeSpan.FromSeconds(seconds);
            }
        }
    }

    private static List<List<AttackKind>>? LayOut(List<AttackKind> kinds, int totalTicks)
    {
        var duration = SamplePlant.Period * totalTicks;
        var available = totalTicks - CeilTicks(Max(MinimumWarmUp, duration / 4)) - CeilTicks(Max(MinimumTail, duration / 20));
        for (var laneCount = 1; laneCount <= Math.Min(kinds.Count, MaxLanes); laneCount++)
        {
            var lanes = Enumerable.Range(0, laneCount).Select(_ => new List<AttackKind>()).ToList();
            foreach (var kind in kinds)
            {
                lanes.MinBy(Need)!.Add(kind);
            }

            if (lanes.All(l => Need(l) <= available))
            {
                return lanes;
            }
        }

        return null;

        static int Need(List<AttackKind> lane) =>
            lane.Sum(LengthTicks) + (Math.Max(0, lane.Count - 1) * MinGapTicks);
    }

    private static AttackPlan Plan(
        AttackKind kind,
        int startTick,
        int endTick,
        GaussianRandom random,
        IReadOnlyList<DeviceProfile> devices,
        List<AttackPlan> earlier)
    {
        var period = SamplePlant.Period;
        var start = period * startTick;
        var end = period * endTick;
        var margin = period * MinGapTicks;
        var overlapping = earlier.Where(p => p.Start - margin <= end && start <= p.End + margin).ToList();

        var candidates = Candidates(kind, random, devices);
        var free = candidates
            .Where(c => !overlapping.Any(p => Conflicts(c, p.Target, devices)))
            .ToList();
        var pool = free.Count > 0 ? free : candidates;
        var target = pool[random.Next(pool.Count)];

        var plan = new AttackPlan(AttackNames.NameOf(kind), kind, target, start, end);
        return kind switch
        {
            // The replayed messages end 2 to 10 s before the replay starts, and were all sent after the run began.
            AttackKind.Replay => plan with
            {
                ReplayOffset = period * Math.Min(startTick, LengthTicks(kind) + 8 + random.Next(33)),
            },
            AttackKind.UnknownDevice => plan with
            {
                IntruderPassword = "guess-" + random.Next(1 << 24).ToString("x6", CultureInfo.InvariantCulture),
                IntruderAssetId = SamplePlant.Assets[random.Next(SamplePlant.Assets.Count)],
            },
            _ => plan,
        };
    }

    private static List<AttackTarget> Candidates(AttackKind kind, GaussianRandom random, IReadOnlyList<DeviceProfile> devices)
    {
        switch (kind)
        {
            case AttackKind.Spike or AttackKind.Frozen or AttackKind.Drift:
                return devices
                    .SelectMany(d => d.Publications.SelectMany(p => p.SignalIds.Select(s => new AttackTarget(d.Id, p.AssetId, s))))
                    .ToList();
            case AttackKind.Replay:
                return devices
                    .Select(d => d.AssetIds.Count() == 1 ? new AttackTarget(d.Id, d.AssetIds.First(), null) : new AttackTarget(d.Id, null, null))
                    .ToList();
            case AttackKind.Flood:
                return devices.Select(d => new AttackTarget(d.Id, d.Publications[0].AssetId, null)).ToList();
            case AttackKind.UnknownDevice:
                return [new AttackTarget("intruder-" + random.Next(1 << 16).ToString("x4", CultureInfo.InvariantCulture), null, null)];
            case AttackKind.WrongTopic:
                return devices
                    .SelectMany(d => SamplePlant.Assets.Where(a => !d.PublishesAsset(a)).Select(a => new AttackTarget(d.Id, a, null)))
                    .ToList();
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown attack kind");
        }
    }

    private static bool Conflicts(AttackTarget a, AttackTarget b, IReadOnlyList<DeviceProfile> devices)
    {
        if (a.DeviceId == b.DeviceId)
        {
            return true;
        }

        return Touched(a, devices).Overlaps(Touched(b, devices));
    }

    private static HashSet<string> Touched(AttackTarget target, IReadOnlyList<DeviceProfile> devices)
    {
        if (target.AssetId is not null)
        {
            return [target.AssetId];
        }

        var device = devices.FirstOrDefault(d => d.Id == target.DeviceId);
        return device is null ? [] : [.. device.AssetIds];
    }

    private static int CeilTicks(TimeSpan span) => (int)Math.Ceiling(span.Ticks / (double)SamplePlant.Period.Ticks);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
