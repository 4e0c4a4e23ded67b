using System.Globalization;
using TwinGuard.Simulator.Attacks;
using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Physics;

namespace TwinGuard.Simulator.Running;

/// <summary>
/// Runs the simulated plant in real time against an MQTT broker: connects every device with its credentials, and
/// every 250 ms advances the physics and publishes the readings, with the campaign's attacks woven in.
/// </summary>
/// <remarks>
/// <para>Time comes from the <see cref="TimeProvider"/>: tick <c>k</c> is due at start + k · 250 ms and carries that
/// clock's time as <c>ts</c>; a late tick is sent at once rather than skipped, so no sample is lost.</para>
/// <para>The simulator never reads what the pipeline concludes. A device the broker disconnects (containment) is
/// reconnected at most once per second; what it could not send meanwhile is counted in
/// <see cref="SimulatorProgress.MessagesNotSent"/>. Intruders get a fresh connection per attempt, off the tick loop:
/// an intruder is another machine, and a broker takes its time to refuse one (a password check costs a PBKDF2 of the
/// plant's iteration count on purpose, seconds on a loaded machine), which must not hold back the plant's devices.</para>
/// <para>A loaded machine can still make ticks late. Each attack's window is therefore also kept as it was played
/// (<see cref="Played"/>: the wall-clock offsets of its first and last tick), and <see cref="Position"/> says how far
/// the campaign has been played, so that whoever acts on the ground truth while the run goes on (the demo's operator)
/// does not take an attack for over while its messages are still being sent.</para>
/// </remarks>
public sealed class SimulatorRunner : IAsyncDisposable
{
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly CampaignPlayer _player;
    private PlantConnections? _plant;
    private readonly Lock _progressLock = new();
    private SimulatorProgress _progress;
    private readonly Dictionary<AttackPlan, (TimeSpan First, TimeSpan Last)> _played = [];
    private readonly List<Task> _intruders = [];
    private int _intruderAttempts;
    private long _connectionsRefused;
    private long _intrudersSent;
    private long _intrudersNotSent;
    private long _positionTicks = -1;
    private int _runCalled;

    /// <summary>Creates a runner; nothing connects until <see cref="RunAsync"/>.</summary>
    /// <param name="options">What to run and where.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentException">The attack set does not fit in the duration, or an attack name is unknown.</exception>
    public SimulatorRunner(SimulatorOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        Campaign = AttackCampaign.Create(options.Seed, options.Duration, options.Attacks, options.Devices);
        _player = new CampaignPlayer(options.Seed, Campaign, options.Devices, options.Physics);
        _progress = new SimulatorProgress(TimeSpan.Zero, options.Duration, 0, 0, 0, 0, []);
    }

    /// <summary>The campaign this run stages.</summary>
    public AttackCampaign Campaign { get; }

    /// <summary>The ground truth: every attack with its target and its window (offsets from <see cref="StartedAt"/>).</summary>
    public IReadOnlyList<AttackPlan> GroundTruth => Campaign.Attacks;

    /// <summary>Wall-clock time of the first tick, once the run has started.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>
    /// How far the campaign has been played: the offset on the sample grid of the tick being sent (the ground truth's
    /// clock); null before the first tick. Behind the wall clock when ticks were late.
    /// </summary>
    public TimeSpan? Position => Interlocked.Read(ref _positionTicks) is var ticks and >= 0 ? TimeSpan.FromTicks(ticks) : null;

    /// <summary>
    /// The attacks as they were played so far: each with <see cref="AttackPlan.Start"/> and <see cref="AttackPlan.End"/>
    /// the wall-clock offsets (from <see cref="StartedAt"/>) of its first and last tick sent; an attack not yet started
    /// keeps its planned window. Equal to <see cref="GroundTruth"/> when no tick was late.
    /// </summary>
    public IReadOnlyList<AttackPlan> Played
    {
        get
        {
            lock (_played)
            {
                return Campaign.Attacks.Select(a => _played.TryGetValue(a, out var w) ? a with { Start = w.First, End = w.Last } : a).ToList();
            }
        }
    }

    /// <summary>The latest progress snapshot; safe to read from any thread.</summary>
    public SimulatorProgress Progress
    {
        get
        {
            lock (_progressLock)
            {
                return _progress;
            }
        }
    }

    /// <summary>Connects the devices and runs until the duration has passed or <paramref name="cancellationToken"/> fires.</summary>
    /// <returns>The run's times, counters and ground truth; <see cref="SimulatorRunResult.Completed"/> is false when cancelled.</returns>
    /// <exception cref="InvalidOperationException">A plant device could not connect at the start (wrong port, refused credentials).</exception>
    public async Task<SimulatorRunResult> RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _runCalled, 1) != 0)
        {
            throw new InvalidOperationException("a simulator run can be started only once");
        }

        var plant = _plant = await PlantConnections.ConnectAsync(
            _options.Devices, _options.ClientIdPrefix, _options.Host, _options.Port, _options.ConnectTimeout, acknowledged: false, _options.OnEvent, cancellationToken);

        var start = _time.GetUtcNow();
        StartedAt = start;
        var totalTicks = (int)(_options.Duration.Ticks / SamplePlant.Period.Ticks);
        var completed = true;
        var active = new HashSet<AttackPlan>();
        long published = 0, attackPublished = 0, notSent = 0;
        try
        {
            for (var tick = 0; tick < totalTicks; tick++)
            {
                var due = start + (SamplePlant.Period * tick);
                var wait = due - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
                var now = _time.GetUtcNow();
                var messages = _player.Tick(now);
                NoteAttackChanges(active, SamplePlant.Period * tick, now - start);
                Interlocked.Exchange(ref _positionTicks, (SamplePlant.Period * tick).Ticks);

                foreach (var message in messages)
                {
                    if (!_player.IsPlantDevice(message.DeviceId))
                    {
                        _intruders.Add(IntrudeAsync(message, ++_intruderAttempts, cancellationToken));
                        continue;
                    }

                    if (await plant.SendAsync(message, now, cancellationToken))
                    {
                        published++;
                        if (message.AttackName is not null)
                        {
                            attackPublished++;
                        }
                    }
                    else
                    {
                        notSent++;
                    }
                }

                SetProgress(now - start, published, attackPublished, notSent, plant.Refused, active);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            completed = false;
        }

        var end = _time.GetUtcNow();
        await Task.WhenAll(_intruders);
        SetProgress(end - start, published, attackPublished, notSent, plant.Refused, []);
        await plant.DisconnectAsync();

        return new SimulatorRunResult(start, end, completed, Progress, Campaign) { Played = Played };
    }

    /// <summary>One intruder's attempt, counted as an attack message sent or not sent when it is over.</summary>
    private async Task IntrudeAsync(OutgoingMessage message, int attempt, CancellationToken cancellationToken)
    {
        bool sent;
        try
        {
            sent = await SendAsIntruderAsync(message, attempt, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            sent = false;
        }

        Interlocked.Increment(ref sent ? ref _intrudersSent : ref _intrudersNotSent);
    }

    private async Task<bool> SendAsIntruderAsync(OutgoingMessage message, int attempt, CancellationToken cancellationToken)
    {
        var attack = Campaign.Attacks.First(a => a.Kind == AttackKind.UnknownDevice && a.Target.DeviceId == message.DeviceId);
        await using var intruder = new SimulatedDevice(
            message.DeviceId,
            attack.IntruderPassword ?? string.Empty,
            $"{message.DeviceId}-{attempt.ToString(CultureInfo.InvariantCulture)}",
            _options.Host,
            _options.Port,
            _options.ConnectTimeout);
        var outcome = await intruder.ConnectAsync(cancellationToken);
        if (!outcome.Connected)
        {
            Interlocked.Add(ref _connectionsRefused, outcome.RefusedByBroker ? 1 : 0);
            _options.OnEvent?.Invoke($"intruder {message.DeviceId} could not connect: {outcome.Reason}");
            return false;
        }

        _options.OnEvent?.Invoke($"intruder {message.DeviceId} was ACCEPTED by the broker and publishes to {message.Topic}");
        var sent = await intruder.PublishAsync(message, cancellationToken);
        await intruder.DisconnectAsync(cancellationToken);
        return sent;
    }

    /// <param name="active">The attacks under way, updated.</param>
    /// <param name="offset">The tick's offset on the sample grid.</param>
    /// <param name="wall">The tick's offset on the wall clock, later than <paramref name="offset"/> when ticks are late.</param>
    private void NoteAttackChanges(HashSet<AttackPlan> active, TimeSpan offset, TimeSpan wall)
    {
        foreach (var attack in Campaign.Attacks)
        {
            var isActive = attack.IsActiveAt(offset);
            if (isActive)
            {
                lock (_played)
                {
                    _played[attack] = (_played.TryGetValue(attack, out var w) ? w.First : wall, wall);
                }
            }

            if (isActive && active.Add(attack))
            {
                _options.OnEvent?.Invoke($"attack started: {attack.Describe()}");
            }
            else if (!isActive && active.Remove(attack))
            {
                _options.OnEvent?.Invoke($"attack ended: {attack.Name} on {attack.Target}");
            }
        }
    }

    /// <summary>Publishes the counters of the plant's devices, with the intruders' attempts that are over added.</summary>
    private void SetProgress(TimeSpan elapsed, long published, long attackPublished, long notSent, long refused, IEnumerable<AttackPlan> active)
    {
        var intruded = Interlocked.Read(ref _intrudersSent);
        var snapshot = new SimulatorProgress(
            elapsed, _options.Duration, published + intruded, attackPublished + intruded, notSent + Interlocked.Read(ref _intrudersNotSent),
            refused + Interlocked.Read(ref _connectionsRefused), active.OrderBy(a => a.Start).ToArray());
        lock (_progressLock)
        {
            _progress = snapshot;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_plant is not null)
        {
            await _plant.DisposeAsync();
        }
    }
}
