using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Physics;
using TwinGuard.Simulator.Running;

namespace TwinGuard.Simulator.Attacks;

/// <summary>
/// Plays the plant and its attack campaign one sample period at a time: what every device (and every intruder)
/// sends at each tick. No I/O: <see cref="SimulatorRunner"/> puts the messages on the wire.
/// </summary>
/// <remarks>
/// The physics has its own random stream, so the plant's trajectory is the same whatever the attacks; attack noise
/// comes from a second stream derived from the same seed. Attacks alter what devices send, never the process itself.
/// </remarks>
public sealed class CampaignPlayer
{
    /// <summary>Messages per sample period while a device floods (50 times its rate).</summary>
    public const int FloodFactor = 50;

    private const int HistoryTicks = 256;

    private readonly PlantPhysics _physics;
    private readonly AttackCampaign _campaign;
    private readonly IReadOnlyList<DeviceProfile> _devices;
    private readonly GaussianRandom _attackRandom;
    private readonly Dictionary<string, long> _seq = [];
    private readonly List<OutgoingMessage>[] _history = new List<OutgoingMessage>[HistoryTicks];
    private readonly double[] _lastPublished = new double[SamplePlant.Signals.Count];
    private readonly double[] _values = new double[SamplePlant.Signals.Count];
    private readonly Dictionary<AttackPlan, double> _heldValues = [];
    private readonly Dictionary<AttackPlan, double> _driftRates = [];
    private int _nextTick;

    /// <summary>Creates a player for the sample plant.</summary>
    /// <param name="seed">Seed of the physics and of the attacks' random choices.</param>
    /// <param name="campaign">The attacks to stage.</param>
    /// <param name="devices">The plant's devices; <see cref="SamplePlant.Devices"/> when null.</param>
    /// <param name="physicsOptions">Normal-operation behaviour of the plant.</param>
    public CampaignPlayer(
        int seed,
        AttackCampaign campaign,
        IReadOnlyList<DeviceProfile>? devices = null,
        PlantPhysicsOptions? physicsOptions = null)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        _campaign = campaign;
        _devices = devices ?? SamplePlant.Devices;
        _physics = new PlantPhysics(GaussianRandom.DeriveSeed(seed, 1), physicsOptions);
        _attackRandom = new GaussianRandom(GaussianRandom.DeriveSeed(seed, 3));
    }

    /// <summary>The plant being simulated.</summary>
    public PlantPhysics Physics => _physics;

    /// <summary>The campaign being played.</summary>
    public AttackCampaign Campaign => _campaign;

    /// <summary>The next tick <see cref="Tick"/> expects.</summary>
    public int NextTick => _nextTick;

    /// <summary>Whether a device id belongs to the plant (false for intruders).</summary>
    public bool IsPlantDevice(string deviceId) => _devices.Any(d => d.Id == deviceId);

    /// <summary>
    /// Advances to the next sample period and returns what is sent in it, genuine readings and attacks alike.
    /// </summary>
    /// <param name="now">The devices' clock at this tick: the <c>ts</c> of fresh readings.</param>
    public IReadOnlyList<OutgoingMessage> Tick(DateTimeOffset now)
    {
        var tick = _nextTick++;
        if (tick > 0)
        {
            _physics.Step();
        }
        else
        {
            // Sequence numbers start at the devices' boot time in Unix milliseconds, as many field devices do, so that a
            // restarted simulator (fewer than one message per millisecond) never reuses numbers a broker has seen.
            foreach (var device in _devices)
            {
                _seq[device.Id] = now.ToUnixTimeMilliseconds();
            }
        }

        var offset = SamplePlant.Period * tick;
        var active = _campaign.Attacks.Where(a => a.IsActiveAt(offset)).ToList();
        _physics.Measurements.CopyTo(_values);
        var altered = ApplyValueAttacks(active, offset);

        var messages = new List<OutgoingMessage>();
        var published = new List<OutgoingMessage>();
        foreach (var device in _devices)
        {
            var replay = active.FirstOrDefault(a => a.Kind == AttackKind.Replay && a.Target.DeviceId == device.Id);
            if (replay is not null)
            {
                var capturedTick = tick - (int)(replay.ReplayOffset.Ticks / SamplePlant.Period.Ticks);
                var captured = capturedTick >= 0 && tick - capturedTick < HistoryTicks ? _history[capturedTick % HistoryTicks] : null;
                foreach (var old in captured?.Where(m => m.DeviceId == device.Id) ?? [])
                {
                    messages.Add(old with { AttackName = replay.Name });
                }

                continue;
            }

            foreach (var publication in device.Publications)
            {
                foreach (var message in Genuine(device, publication, now, altered, active))
                {
                    messages.Add(message);
                    published.Add(message);
                }
            }

            var flood = active.FirstOrDefault(a => a.Kind == AttackKind.Flood && a.Target.DeviceId == device.Id);
            if (flood is not null)
            {
                var publication = device.Publications.First(p => p.AssetId == flood.Target.AssetId);
                for (var i = 1; i < FloodFactor; i++)
                {
                    messages.AddRange(Fabricated(device.Id, device.TimestampFormat, publication, now + TimeSpan.FromMilliseconds(5 * i), flood.Name));
                }
            }
        }

        foreach (var attack in active)
        {
            if (attack.Kind == AttackKind.WrongTopic && attack.Target.AssetId is { } foreignAsset)
            {
                var device = _devices.First(d => d.Id == attack.Target.DeviceId);
                messages.AddRange(Fabricated(device.Id, device.TimestampFormat, AllSignalsOf(foreignAsset), now, attack.Name));
            }
            else if (attack.Kind == AttackKind.UnknownDevice && attack.IntruderAssetId is { } asset
                && (offset - attack.Start).Ticks % TimeSpan.TicksPerSecond == 0)
            {
                // One connection attempt per second, each with a reading that would be plausible if it got through.
                _seq.TryAdd(attack.Target.DeviceId, 0);
                messages.AddRange(Fabricated(attack.Target.DeviceId, TimestampFormat.UnixMilliseconds, AllSignalsOf(asset), now, attack.Name));
            }
        }

        _history[tick % HistoryTicks] = published;
        _values.CopyTo(_lastPublished, 0);
        return messages;
    }

    private HashSet<int> ApplyValueAttacks(List<AttackPlan> active, TimeSpan offset)
    {
        var altered = new HashSet<int>();
        foreach (var attack in active)
        {
            if (attack.Kind is not (AttackKind.Spike or AttackKind.Frozen or AttackKind.Drift) || attack.Target.AssetId is null || attack.Target.SignalId is null)
            {
                continue;
            }

            var index = SamplePlant.IndexOf(attack.Target.AssetId, attack.Target.SignalId);
            var signal = SamplePlant.Signals[index];
            var farEndIsHigh = _values[index] < (signal.Min + signal.Max) / 2;
            switch (attack.Kind)
            {
                case AttackKind.Spike:
                    // Far from normal, yet inside the range: only range checks are blind to it.
                    var level = _heldValues.TryGetValue(attack, out var held)
                        ? held
                        : _heldValues[attack] = signal.Min + (signal.Span * (farEndIsHigh ? 0.92 : 0.08));
                    _values[index] = signal.Quantize(level + _attackRandom.Normal(0.01 * signal.Span));
                    break;
                case AttackKind.Frozen:
                    // The value published just before the attack, repeated bit for bit.
                    _values[index] = _heldValues.TryGetValue(attack, out var frozen) ? frozen : _heldValues[attack] = _lastPublished[index];
                    break;
                case AttackKind.Drift:
                    // A bias growing at 2 % of the range per second, and never faster than a quarter of the rate limit.
                    if (!_driftRates.TryGetValue(attack, out var rate))
                    {
                        rate = Math.Min(0.02 * signal.Span, 0.25 * signal.MaxRate) * (farEndIsHigh ? 1 : -1);
                        _driftRates[attack] = rate;
                    }

                    var elapsed = (offset - attack.Start).TotalSeconds + SamplePlant.Period.TotalSeconds;
                    _values[index] = signal.Quantize(_values[index] + (rate * elapsed));
                    break;
            }

            altered.Add(index);
        }

        return altered;
    }

    private IEnumerable<OutgoingMessage> Genuine(
        DeviceProfile device, DevicePublication publication, DateTimeOffset now, HashSet<int> altered, List<AttackPlan> active)
    {
        string? AttackOn(string signalId) =>
            altered.Contains(SamplePlant.IndexOf(publication.AssetId, signalId))
                ? active.First(a => a.Target.AssetId == publication.AssetId && a.Target.SignalId == signalId).Name
                : null;

        if (publication.IsSingleSignal)
        {
            foreach (var signalId in publication.SignalIds)
            {
                var seq = ++_seq[device.Id];
                var value = _values[SamplePlant.IndexOf(publication.AssetId, signalId)];
                yield return new OutgoingMessage(
                    device.Id,
                    Topic(publication.AssetId, signalId),
                    ReadingPayload.Single(now, device.TimestampFormat, seq, value),
                    seq,
                    AttackOn(signalId));
            }

            yield break;
        }

        var values = publication.SignalIds.Select(s => _values[SamplePlant.IndexOf(publication.AssetId, s)]).ToArray();
        var multiSeq = ++_seq[device.Id];
        yield return new OutgoingMessage(
            device.Id,
            Topic(publication.AssetId, null),
            ReadingPayload.Multi(now, device.TimestampFormat, multiSeq, publication.SignalIds, values),
            multiSeq,
            publication.SignalIds.Select(AttackOn).FirstOrDefault(n => n is not null));
    }

    /// <summary>A plausible reading (current values with fresh noise) that no genuine sensor produced.</summary>
    private IEnumerable<OutgoingMessage> Fabricated(string deviceId, TimestampFormat format, DevicePublication publication, DateTimeOffset ts, string attackName)
    {
        var signals = publication.SignalIds.Select(s => SamplePlant.Signals[SamplePlant.IndexOf(publication.AssetId, s)]).ToArray();
        var values = signals
            .Select(s => s.Quantize(_values[SamplePlant.IndexOf(s.AssetId, s.SignalId)] + _attackRandom.Normal(s.NoiseStdDev)))
            .ToArray();
        if (publication.IsSingleSignal)
        {
            for (var i = 0; i < signals.Length; i++)
            {
                var seq = ++_seq[deviceId];
                yield return new OutgoingMessage(deviceId, Topic(publication.AssetId, signals[i].SignalId), ReadingPayload.Single(ts, format, seq, values[i]), seq, attackName);
            }

            yield break;
        }

        var multiSeq = ++_seq[deviceId];
        yield return new OutgoingMessage(deviceId, Topic(publication.AssetId, null), ReadingPayload.Multi(ts, format, multiSeq, publication.SignalIds, values), multiSeq, attackName);
    }

    private static DevicePublication AllSignalsOf(string assetId) =>
        new(assetId, SamplePlant.Signals.Where(s => s.AssetId == assetId).Select(s => s.SignalId).ToArray(), false);

    private static string Topic(string assetId, string? signalId) =>
        signalId is null ? $"{SamplePlant.TopicPrefix}/{assetId}" : $"{SamplePlant.TopicPrefix}/{assetId}/{signalId}";
}
