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
/// <see cref="SimulatorProgress.MessagesNotSent"/>. Intruders get a fresh connection per attempt.</para>
/// </remarks>
public sealed class SimulatorRunner : IAsyncDisposable
{
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly CampaignPlayer _player;
    private PlantConnections? _plant;
    private readonly Lock _progressLock = new();
    private SimulatorProgress _progress;
    private int _intruderAttempts;
    private long _connectionsRefused;
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
                NoteAttackChanges(active, SamplePlant.Period * tick);

                foreach (var message in messages)
                {
                    bool sent;
                    if (_player.IsPlantDevice(message.DeviceId))
                    {
                        sent = await plant.SendAsync(message, now, cancellationToken);
                    }
                    else
                    {
                        sent = await SendAsIntruderAsync(message, cancellationToken);
                    }

                    if (sent)
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

                SetProgress(now - start, published, attackPublished, notSent, _connectionsRefused + plant.Refused, active);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            completed = false;
        }

        var end = _time.GetUtcNow();
        SetProgress(end - start, published, attackPublished, notSent, _connectionsRefused + plant.Refused, []);
        await plant.DisconnectAsync();

        return new SimulatorRunResult(start, end, completed, Progress, Campaign);
    }

    private async Task<bool> SendAsIntruderAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var attack = Campaign.Attacks.First(a => a.Kind == AttackKind.UnknownDevice && a.Target.DeviceId == message.DeviceId);
        var attempt = ++_intruderAttempts;
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
            _connectionsRefused += outcome.RefusedByBroker ? 1 : 0;
            _options.OnEvent?.Invoke($"intruder {message.DeviceId} could not connect: {outcome.Reason}");
            return false;
        }

        _options.OnEvent?.Invoke($"intruder {message.DeviceId} was ACCEPTED by the broker and publishes to {message.Topic}");
        var sent = await intruder.PublishAsync(message, cancellationToken);
        await intruder.DisconnectAsync(cancellationToken);
        return sent;
    }

    private void NoteAttackChanges(HashSet<AttackPlan> active, TimeSpan offset)
    {
        foreach (var attack in Campaign.Attacks)
        {
            var isActive = attack.IsActiveAt(offset);
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

    private void SetProgress(TimeSpan elapsed, long published, long attackPublished, long notSent, long refused, IEnumerable<AttackPlan> active)
    {
        var snapshot = new SimulatorProgress(
            elapsed, _options.Duration, published, attackPublished, notSent, refused, active.OrderBy(a => a.Start).ToArray());
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
