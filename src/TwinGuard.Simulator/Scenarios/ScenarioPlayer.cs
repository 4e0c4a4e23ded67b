using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Physics;

namespace TwinGuard.Simulator.Scenarios;

/// <summary>
/// Plays the sample plant with one scenario's attack (or its stages, one after the other), one sample period at a time:
/// what every device (and an intruder or a credential thief) sends at each tick. No I/O: <c>ScenarioRunner</c> puts the
/// messages on the wire.
/// </summary>
/// <remarks>
/// <para>Most attacks alter what a device reports, never the process. Two change the process itself, as an attacker
/// with control access would: <see cref="ScenarioKind.SetPointTampering"/> (the tank level set-point is driven up)
/// and <see cref="ScenarioKind.Replay"/> (the pump really slows down while the recorded values are replayed).</para>
/// <para>Every altered value stays inside its signal's valid range; for the attacks a scenario marks
/// <c>within_range</c>, each step also stays under the signal's rate limit. docs/scenarios.md gives what
/// <see cref="ScenarioAttack.Intensity"/> scales for each kind.</para>
/// </remarks>
public sealed class ScenarioPlayer
{
    /// <summary>The attack name of the scenario: its kind, or its stages' kinds joined by <c>+</c>.</summary>
    public string AttackName { get; }

    private const int FloodBase = 50;
    private static readonly TimeSpan SpoofRamp = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan BiasRamp = TimeSpan.FromSeconds(2);

    private readonly Scenario _scenario;
    private readonly StagePlay[] _stages;
    private readonly PlantPhysics _physics;
    private readonly GaussianRandom _attackRandom;
    private readonly Dictionary<string, long> _seq = [];
    private readonly double[] _values = new double[SamplePlant.Signals.Count];
    private readonly double[] _lastPublished = new double[SamplePlant.Signals.Count];
    private int _nextTick;

    /// <summary>Creates a player for a scenario.</summary>
    /// <param name="scenario">The scenario (at the intensity to play).</param>
    /// <param name="seed">Seed of the plant's noise and operating changes and of the attack's random choices.</param>
    public ScenarioPlayer(Scenario scenario, int seed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _scenario = scenario;
        _stages = scenario.Stages.Select(s => new StagePlay(s.Attack)).ToArray();
        AttackName = string.Join("+", _stages.Select(s => s.Name));
        _physics = new PlantPhysics(GaussianRandom.DeriveSeed(seed, 1), scenario.Steady ? PlantPhysicsOptions.Steady : new PlantPhysicsOptions());
        _attackRandom = new GaussianRandom(GaussianRandom.DeriveSeed(seed, 3));
    }

    /// <summary>The plant being simulated.</summary>
    public PlantPhysics Physics => _physics;

    /// <summary>The scenario being played.</summary>
    public Scenario Scenario => _scenario;

    /// <summary>Total ticks of the run.</summary>
    public int TotalTicks => (int)(_scenario.Duration.Ticks / SamplePlant.Period.Ticks);

    /// <summary>The next tick <see cref="Tick"/> expects.</summary>
    public int NextTick => _nextTick;

    /// <summary>Whether a device id belongs to the plant (false for an intruder).</summary>
    public static bool IsPlantDevice(string deviceId) => SamplePlant.Devices.Any(d => d.Id == deviceId);

    /// <summary>Whether a message must go out on the credential thief's own connection rather than the device's.</summary>
    public bool IsStolenSession(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _stages.Any(s => s.Attack.Kind == ScenarioKind.CredentialReuse && message.AttackName == s.Name && message.DeviceId == s.Attack.DeviceId);
    }

    /// <summary>Whether any attack of the scenario is active at an offset from the start of the run.</summary>
    public bool IsAttackActiveAt(TimeSpan offset) => _stages.Any(s => s.IsActiveAt(offset));

    /// <summary>Advances to the next sample period and returns what is sent in it, genuine readings and attack alike.</summary>
    /// <param name="now">The devices' clock at this tick: the <c>ts</c> of every reading.</param>
    public IReadOnlyList<OutgoingMessage> Tick(DateTimeOffset now)
    {
        var tick = _nextTick++;
        var offset = SamplePlant.Period * tick;
        var active = _stages.Where(s => s.IsActiveAt(offset)).ToArray();
        SteerProcess(active);
        if (tick > 0)
        {
            _physics.Step();
        }
        else
        {
            // Sequence numbers start at boot time in Unix milliseconds, as many field devices do.
            foreach (var device in SamplePlant.Devices)
            {
                _seq[device.Id] = now.ToUnixTimeMilliseconds();
            }
        }

        _physics.Measurements.CopyTo(_values);
        foreach (var stage in _stages)
        {
            if (!stage.IsActiveAt(offset))
            {
                Record(stage);
            }
        }

        foreach (var stage in active)
        {
            AlterValues(stage, offset);
        }

        var messages = new List<OutgoingMessage>();
        foreach (var device in SamplePlant.Devices)
        {
            foreach (var publication in device.Publications)
            {
                var by = active.FirstOrDefault(s => device.Id == s.Attack.DeviceId && publication.AssetId == s.Attack.AssetId && s.Targets.Length > 0);
                messages.Add(Reading(device, publication, now, by?.Name));
            }

            foreach (var flood in active.Where(s => s.Attack.Kind == ScenarioKind.Flood && device.Id == s.Attack.DeviceId))
            {
                var publication = device.Publications.First(p => flood.Attack.AssetId is null || p.AssetId == flood.Attack.AssetId);
                var extra = (int)Math.Round(FloodBase * flood.Attack.Intensity) - 1;
                for (var i = 1; i <= extra; i++)
                {
                    messages.Add(Reading(device, publication, now + TimeSpan.FromTicks(SamplePlant.Period.Ticks * i / (extra + 1)), flood.Name));
                }
            }
        }

        foreach (var stage in active)
        {
            AddIntruders(stage, messages, offset, now);
        }

        _values.CopyTo(_lastPublished, 0);
        return messages;
    }

    private void SteerProcess(StagePlay[] active)
    {
        // The authorised PLC is told to fill the tank far above its operating band (normal set-points: 0.8-1.2 m).
        _physics.LevelSetPointOverride = active.FirstOrDefault(s => s.Attack.Kind == ScenarioKind.SetPointTampering) is { } tampering
            ? Math.Min(1.2 + (0.5 * tampering.Attack.Intensity), 1.9)
            : null;

        // The process really changes while the replayed values say it does not: the pump slows down.
        if (active.FirstOrDefault(s => s.Attack.Kind == ScenarioKind.Replay) is { } replay)
        {
            _physics.SpeedSetPointOverride ??= Math.Max(_physics.Truth[SamplePlant.IndexOf("pump1", "speed")] - (600 * replay.Attack.Intensity), 1500);
        }
        else
        {
            _physics.SpeedSetPointOverride = null;
        }
    }

    private void Record(StagePlay stage)
    {
        if (stage.Attack.Kind != ScenarioKind.Replay || stage.Replay is not null)
        {
            return;
        }

        stage.Recording.Enqueue(stage.Targets.Select(i => _values[i]).ToArray());
        while (stage.Recording.Count > stage.RecordTicks)
        {
            stage.Recording.Dequeue();
        }
    }

    private void AlterValues(StagePlay stage, TimeSpan offset)
    {
        var attack = stage.Attack;
        var targets = stage.Targets;
        var elapsed = (offset - attack.Start).TotalSeconds;
        var x = attack.Intensity;
        switch (attack.Kind)
        {
            case ScenarioKind.Spike:
                foreach (var i in targets)
                {
                    // Far from normal, toward the far end of the range, yet inside it.
                    var signal = SamplePlant.Signals[i];
                    var high = _values[i] < (signal.Min + signal.Max) / 2;
                    _values[i] = Inside(signal, _values[i] + ((high ? 1 : -1) * 0.3 * x * signal.Span));
                }

                break;
            case ScenarioKind.Bias:
                foreach (var i in targets)
                {
                    // Ramped in over 2 s so that no step breaks the rate limit.
                    var signal = SamplePlant.Signals[i];
                    _values[i] = Inside(signal, _values[i] - (0.1 * x * signal.Span * Math.Min(1, elapsed / BiasRamp.TotalSeconds)));
                }

                break;
            case ScenarioKind.Frozen:
                stage.Held ??= targets.Select(i => _lastPublished[i]).ToArray();
                for (var k = 0; k < targets.Length; k++)
                {
                    _values[targets[k]] = stage.Held[k];
                }

                break;
            case ScenarioKind.Drift:
            case ScenarioKind.BaselinePoisoning:
                foreach (var i in targets)
                {
                    // Drift: 0.05 % of the span per second (flow: 0.08 l/min/s); poisoning a tenth of that, over minutes.
                    var signal = SamplePlant.Signals[i];
                    var rate = (attack.Kind == ScenarioKind.Drift ? 0.0005 : 0.00015) * x * signal.Span;
                    _values[i] = Inside(signal, _values[i] - (rate * elapsed));
                }

                break;
            case ScenarioKind.Replay:
                if (stage.Replay is null)
                {
                    stage.Replay = stage.Recording.ToArray();
                    stage.ReplayFrom = ClosestFrame(stage.Replay, targets);
                }

                var frame = stage.Replay[PingPong(stage.ReplayFrom + (int)((offset - attack.Start).Ticks / SamplePlant.Period.Ticks), stage.Replay.Length)];
                for (var k = 0; k < targets.Length; k++)
                {
                    _values[targets[k]] = frame[k];
                }

                break;
            case ScenarioKind.CoordinatedSpoof:
                Spoof(targets, elapsed, x);
                break;
            case ScenarioKind.Scaling:
                foreach (var i in targets)
                {
                    _values[i] = Inside(SamplePlant.Signals[i], _values[i] * (1 + (0.06 * x)));
                }

                break;
            default:
                break;
        }
    }

    /// <summary>
    /// Where a careful attacker splices in the recording: the recorded frame closest to what was just published, so
    /// that the switch does not jump.
    /// </summary>
    private int ClosestFrame(double[][] recording, int[] targets)
    {
        var best = 0;
        var bestDistance = double.MaxValue;
        for (var f = 0; f < recording.Length; f++)
        {
            var distance = 0.0;
            for (var k = 0; k < targets.Length; k++)
            {
                distance += Math.Abs(recording[f][k] - _lastPublished[targets[k]]) / SamplePlant.Signals[targets[k]].Span;
            }

            if (distance < bestDistance)
            {
                (best, bestDistance) = (f, distance);
            }
        }

        return best;
    }

    /// <summary>Plays the recording forwards, then backwards, and so on: a loop without a seam.</summary>
    private static int PingPong(int index, int length)
    {
        if (length <= 1)
        {
            return 0;
        }

        var period = 2 * (length - 1);
        var phase = index % period;
        return phase < length ? phase : period - phase;
    }

    /// <summary>
    /// The first signal is lowered smoothly (up to 20 % · intensity over 20 s); every other spoofed signal is moved by
    /// what the plant model's relations say it would move by, keeping its own noise: each sensor is consistent with
    /// itself and with the others spoofed, and only the relation to the untouched sensors breaks.
    /// </summary>
    private void Spoof(int[] targets, double elapsed, double x)
    {
        var ramp = Math.Min(1, elapsed / SpoofRamp.TotalSeconds);
        var lead = targets[0];
        var before = _values[lead];
        _values[lead] = Inside(SamplePlant.Signals[lead], before * (1 - (0.2 * x * ramp)));
        var delta = _values[lead] - before;
        for (var k = 1; k < targets.Length; k++)
        {
            var i = targets[k];
            var signal = SamplePlant.Signals[i];
            // Gains of the plant model's relations (motor_current = 1.2 + 0.05 · flow; steady motor_temp = 30 + 5 · current).
            var gain = (SamplePlant.Signals[lead].SignalId, signal.SignalId) switch
            {
                ("flow", "motor_current") => 0.05,
                ("flow", "motor_temp") => 0.25,
                ("speed", "flow") => 0.05 * Math.Min(_values[SamplePlant.IndexOf("valve_in", "opening")], _values[SamplePlant.IndexOf("valve_out", "opening")]) / 100,
                _ => 0,
            };
            _values[i] = Inside(signal, _values[i] + (gain * delta));
        }
    }

    private void AddIntruders(StagePlay stage, List<OutgoingMessage> messages, TimeSpan offset, DateTimeOffset now)
    {
        var attack = stage.Attack;
        var sinceStart = offset - attack.Start;
        switch (attack.Kind)
        {
            case ScenarioKind.UnknownDevice when sinceStart.Ticks % TimeSpan.FromSeconds(Math.Max(0.25, 1 / attack.Intensity)).Ticks < SamplePlant.Period.Ticks:
                // Connection attempts (once a second at intensity 1), each with a plausible reading if it got through.
                var asset = attack.AssetId ?? "pump1";
                _seq.TryAdd(attack.DeviceId, now.ToUnixTimeMilliseconds());
                var publication = new DevicePublication(asset, SamplePlant.Signals.Where(s => s.AssetId == asset).Select(s => s.SignalId).ToArray(), false);
                messages.Add(Fabricated(attack.DeviceId, TimestampFormat.UnixMilliseconds, publication, now, ++_seq[attack.DeviceId], stage.Name));
                break;
            case ScenarioKind.CredentialReuse:
                // The thief's own client publishes the device's asset with its own sequence numbers (its boot time),
                // values moved by 10 % · intensity of the span: what it came to falsify.
                var device = SamplePlant.Devices.First(d => d.Id == attack.DeviceId);
                var stolen = device.Publications.First(p => attack.AssetId is null || p.AssetId == attack.AssetId);
                if (stage.ReuseSeq == 0)
                {
                    stage.ReuseSeq = now.ToUnixTimeMilliseconds() + 1_000_000;
                }

                messages.Add(Fabricated(device.Id, device.TimestampFormat, stolen, now, ++stage.ReuseSeq, stage.Name, shift: 0.1 * attack.Intensity));
                break;
            default:
                break;
        }
    }

    private OutgoingMessage Reading(DeviceProfile device, DevicePublication publication, DateTimeOffset ts, string? attackName)
    {
        var seq = ++_seq[device.Id];
        var values = publication.SignalIds.Select(s => _values[SamplePlant.IndexOf(publication.AssetId, s)]).ToArray();
        var payload = publication.IsSingleSignal
            ? ReadingPayload.Single(ts, device.TimestampFormat, seq, values[0])
            : ReadingPayload.Multi(ts, device.TimestampFormat, seq, publication.SignalIds, values);
        return new OutgoingMessage(device.Id, Topic(publication), payload, seq, attackName);
    }

    private OutgoingMessage Fabricated(string deviceId, TimestampFormat format, DevicePublication publication, DateTimeOffset ts, long seq, string attackName, double shift = 0)
    {
        var values = publication.SignalIds.Select(s =>
        {
            var signal = SamplePlant.Signals[SamplePlant.IndexOf(publication.AssetId, s)];
            var value = _values[SamplePlant.IndexOf(publication.AssetId, s)] + _attackRandom.Normal(signal.NoiseStdDev) - (shift * signal.Span);
            return Inside(signal, value);
        }).ToArray();
        var payload = publication.IsSingleSignal
            ? ReadingPayload.Single(ts, format, seq, values[0])
            : ReadingPayload.Multi(ts, format, seq, publication.SignalIds, values);
        return new OutgoingMessage(deviceId, Topic(publication), payload, seq, attackName);
    }

    /// <summary>Keeps a value 2 % inside the valid range and on the sensor's resolution.</summary>
    private static double Inside(PlantSignal signal, double value) =>
        signal.Quantize(Math.Clamp(value, signal.Min + (0.02 * signal.Span), signal.Max - (0.02 * signal.Span)));

    private static string Topic(DevicePublication publication) =>
        publication.IsSingleSignal
            ? $"{SamplePlant.TopicPrefix}/{publication.AssetId}/{publication.SignalIds[0]}"
            : $"{SamplePlant.TopicPrefix}/{publication.AssetId}";
}
