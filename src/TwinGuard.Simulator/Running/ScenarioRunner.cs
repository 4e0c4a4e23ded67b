using System.Diagnostics;
using System.Globalization;
using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Physics;
using TwinGuard.Simulator.Scenarios;

namespace TwinGuard.Simulator.Running;

/// <summary>
/// Runs one scenario against an MQTT broker in simulated time: each tick advances the shared
/// <see cref="SimulationClock"/> by 250 ms (firing the pipeline's timers that fall due), publishes what every device
/// sends in it, and waits for the pipeline to take it in (<see cref="ScenarioRunOptions.AfterTick"/>).
/// </summary>
/// <remarks>
/// Devices publish at QoS 1 here (<see cref="SimulatedDevice.Acknowledged"/>), so the count handed to
/// <see cref="ScenarioRunOptions.AfterTick"/> is of messages the broker has taken in, not merely written to a socket.
/// The simulator never reads what the pipeline concludes. A device the broker disconnects (containment) is
/// reconnected at most once per simulated second; what it could not send meanwhile is counted as not sent. An
/// intruder gets a fresh connection per attempt; a credential thief keeps its own connection; both come from the
/// attacker's address (<see cref="ScenarioRunOptions.ThiefAddress"/>).
/// </remarks>
public sealed class ScenarioRunner : IAsyncDisposable
{
    private const string ThiefLane = "(thief)";
    private const string IntruderLane = "(intruder)";
    private readonly ScenarioRunOptions _options;
    private readonly SimulationClock _clock;
    private readonly ScenarioPlayer _player;
    private PlantConnections? _plant;
    private SimulatedDevice? _thief;
    private int _intruderAttempts;
    private long _refused;

    /// <summary>Creates a runner; nothing connects until <see cref="RunAsync"/>.</summary>
    /// <param name="scenario">The scenario at the intensity to play.</param>
    /// <param name="options">Where to connect and how to keep pace.</param>
    /// <param name="clock">The clock shared with the pipeline; only this runner advances it while it runs.</param>
    public ScenarioRunner(Scenario scenario, ScenarioRunOptions options, SimulationClock clock)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        _options = options;
        _clock = clock;
        _player = new ScenarioPlayer(scenario, options.Seed);
    }

    /// <summary>The player (plant and attack).</summary>
    public ScenarioPlayer Player => _player;

    /// <summary>Connects the devices and runs the scenario to its end or until cancelled.</summary>
    /// <exception cref="InvalidOperationException">A plant device could not connect at the start.</exception>
    public async Task<ScenarioRunResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var real = Stopwatch.StartNew();
        var plant = _plant = await PlantConnections.ConnectAsync(
            SamplePlant.Devices, "twinguard-sim", _options.Host, _options.Port, _options.ConnectTimeout, acknowledged: true, _options.OnEvent, cancellationToken);

        var start = _clock.GetUtcNow();
        long published = 0, attackPublished = 0, notSent = 0;
        var completed = true;
        var wasActive = false;
        try
        {
            for (var tick = 0; tick < _player.TotalTicks; tick++)
            {
                cancellationToken.ThrowIfCancellationRequested();

                if (tick > 0)
                {
                    _clock.Advance(SamplePlant.Period);
                }

                var now = _clock.GetUtcNow();
                var active = _player.IsAttackActiveAt(SamplePlant.Period * tick);
                if (active != wasActive)
                {
                    _options.OnEvent?.Invoke(active ? $"attack started: {_player.AttackName}" : $"attack ended: {_player.AttackName}");
                    wasActive = active;
                }

                var (sent, attackSent, lost) = await SendTickAsync(plant, _player.Tick(now), now, cancellationToken);
                (published, attackPublished, notSent) = (published + sent, attackPublished + attackSent, notSent + lost);
                await _options.AfterTick(published, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            completed = false;
        }

        var end = _clock.GetUtcNow();
        await plant.DisconnectAsync();
        if (_thief is not null)
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _thief.DisconnectAsync(closing.Token);
        }

        return new ScenarioRunResult(_player.Scenario, start, end, completed, published, attackPublished, notSent, _refused + plant.Refused, real.Elapsed);
    }

    /// <summary>
    /// Sends one tick's messages: in order for each device and asset (a twin checks that a device's sequence numbers
    /// rise; a flood's burst), at the same time across assets and devices, so that a tick costs about one
    /// acknowledgement round trip rather than one per message. Returns what was sent, how much of it was the attack's,
    /// and what could not be sent.
    /// </summary>
    private async Task<(long Sent, long AttackSent, long NotSent)> SendTickAsync(
        PlantConnections plant, IReadOnlyList<OutgoingMessage> messages, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lanes = new Dictionary<string, List<OutgoingMessage>>(StringComparer.Ordinal);
        var connected = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            string lane;
            if (_player.IsStolenSession(message))
            {
                lane = ThiefLane;
            }
            else if (ScenarioPlayer.IsPlantDevice(message.DeviceId))
            {
                // Reconnecting is one step per device, before any of its lanes publishes.
                if (!connected.ContainsKey(message.DeviceId))
                {
                    connected[message.DeviceId] = await plant.ReconnectIfDroppedAsync(message.DeviceId, now, cancellationToken);
                }

                lane = message.DeviceId + " " + AssetTopic(message.Topic);
            }
            else
            {
                lane = IntruderLane;
            }

            if (!lanes.TryGetValue(lane, out var queue))
            {
                lanes[lane] = queue = [];
            }

            queue.Add(message);
        }

        var results = await Task.WhenAll(lanes.Select(l => SendLaneAsync(l.Key, l.Value)));
        return (results.Sum(r => r.Sent), results.Sum(r => r.AttackSent), results.Sum(r => r.NotSent));

        async Task<(long Sent, long AttackSent, long NotSent)> SendLaneAsync(string lane, List<OutgoingMessage> queue)
        {
            long sent = 0, attackSent = 0, notSent = 0;
            foreach (var message in queue)
            {
                var ok = lane == ThiefLane ? await SendAsThiefAsync(message, cancellationToken)
                    : lane == IntruderLane ? await SendAsIntruderAsync(message, cancellationToken)
                    : connected[message.DeviceId] && await plant.PublishAsync(message, cancellationToken);
                if (ok)
                {
                    sent++;
                    attackSent += message.AttackName is null ? 0 : 1;
                }
                else
                {
                    notSent++;
                }
            }

            return (sent, attackSent, notSent);
        }
    }

    /// <summary>The asset part of a topic (<c>plant/pump1/vibration</c> to <c>plant/pump1</c>).</summary>
    private static string AssetTopic(string topic)
    {
        var first = topic.IndexOf('/', StringComparison.Ordinal);
        var second = first < 0 ? -1 : topic.IndexOf('/', first + 1);
        return second < 0 ? topic : topic[..second];
    }

    private async Task<bool> SendAsThiefAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        if (_thief is null)
        {
            var profile = SamplePlant.Devices.First(d => d.Id == message.DeviceId);
            _thief = new SimulatedDevice(
                profile.Id, profile.Password, $"{profile.Id}-maintenance", _options.Host, _options.Port, _options.ConnectTimeout, _options.ThiefAddress)
            {
                Acknowledged = true,
            };
        }

        if (!_thief.IsConnected)
        {
            var outcome = await _thief.ConnectAsync(cancellationToken);
            if (!outcome.Connected)
            {
                Interlocked.Add(ref _refused, outcome.RefusedByBroker ? 1 : 0);
                return false;
            }

            _options.OnEvent?.Invoke($"credentials of {message.DeviceId} reused from {_options.ThiefAddress}");
        }

        return await _thief.PublishAsync(message, cancellationToken);
    }

    private async Task<bool> SendAsIntruderAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var attempt = ++_intruderAttempts;
        await using var intruder = new SimulatedDevice(
            message.DeviceId,
            "guessed-" + attempt.ToString(CultureInfo.InvariantCulture),
            $"{message.DeviceId}-{attempt.ToString(CultureInfo.InvariantCulture)}",
            _options.Host,
            _options.Port,
            _options.ConnectTimeout,
            _options.ThiefAddress)
        {
            Acknowledged = true,
        };
        var outcome = await intruder.ConnectAsync(cancellationToken);
        if (!outcome.Connected)
        {
            Interlocked.Add(ref _refused, outcome.RefusedByBroker ? 1 : 0);
            return false;
        }

        _options.OnEvent?.Invoke($"intruder {message.DeviceId} was ACCEPTED by the broker");
        var sent = await intruder.PublishAsync(message, cancellationToken);
        await intruder.DisconnectAsync(cancellationToken);
        return sent;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_plant is not null)
        {
            await _plant.DisposeAsync();
        }

        if (_thief is not null)
        {
            await _thief.DisposeAsync();
        }
    }
}
