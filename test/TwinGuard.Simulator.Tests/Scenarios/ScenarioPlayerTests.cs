using System.Text.Json;
using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Physics;
using TwinGuard.Simulator.Scenarios;

namespace TwinGuard.Simulator.Tests.Scenarios;

/// <summary>Each scenario's ground truth: what the player sends matches what the file says is attacked, and when.</summary>
public sealed class ScenarioPlayerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 6, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in ScenarioLibrary.Names)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Tick_EveryScenario_MarksAttackMessagesOnlyInsideTheWindowAndOnTheTarget(string name)
    {
        var scenario = ScenarioLibrary.Embedded(name);
        var player = new ScenarioPlayer(scenario, seed: 1);
        var attackTicks = 0;
        for (var tick = 0; tick < player.TotalTicks; tick++)
        {
            var offset = SamplePlant.Period * tick;
            foreach (var message in player.Tick(Start + offset))
            {
                if (message.AttackName is null)
                {
                    Assert.True(ScenarioPlayer.IsPlantDevice(message.DeviceId), $"{name}: an unmarked message from '{message.DeviceId}'");
                    continue;
                }

                // Each message names the stage (its kind) that made it; a scenario of one attack has one stage.
                var attack = scenario.Stages.Single(st => ScenarioLoader.NameOf(st.Attack.Kind) == message.AttackName).Attack;
                Assert.True(attack.IsActiveAt(offset), $"{name}: {message.AttackName} message at {offset} outside [{attack.Start}, {attack.End}]");
                Assert.Equal(attack.DeviceId, message.DeviceId);
                if (attack.AssetId is { } asset && attack.Kind is not ScenarioKind.Flood and not ScenarioKind.UnknownDevice)
                {
                    Assert.StartsWith($"plant/{asset}", message.Topic, StringComparison.Ordinal);
                }

                attackTicks++;
            }
        }

        // Set-point tampering alters the process, not a message: its ground truth is the process (next test).
        Assert.True(scenario.Attack.Kind == ScenarioKind.SetPointTampering ? attackTicks == 0 : attackTicks > 0, $"{name}: {attackTicks} attack messages");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Tick_WithinRangeScenario_KeepsEveryValueInsideRangeAndRate(string name)
    {
        var scenario = ScenarioLibrary.Embedded(name);
        if (!scenario.Expect.WithinRange)
        {
            return;
        }

        foreach (var intensity in scenario.Attack.Intensities)
        {
            var player = new ScenarioPlayer(scenario.AtIntensity(intensity), seed: 2);
            var last = new Dictionary<string, double>();
            for (var tick = 0; tick < player.TotalTicks; tick++)
            {
                foreach (var message in player.Tick(Start + (SamplePlant.Period * tick)))
                {
                    foreach (var (signal, value) in Values(message))
                    {
                        Assert.InRange(value, signal.Min, signal.Max);
                        var key = signal.ToString();
                        if (message.AttackName is not null && last.TryGetValue(key, out var previous))
                        {
                            var rate = Math.Abs(value - previous) / SamplePlant.Period.TotalSeconds;
                            Assert.True(rate <= signal.MaxRate, $"{name} x{intensity}: {key} changes at {rate}/s, above its limit {signal.MaxRate}");
                        }

                        last[key] = value;
                    }
                }
            }
        }
    }

    [Fact]
    public void Tick_Bias_ShiftsTheTargetByTenPercentOfItsSpanTimesTheIntensity()
    {
        var scenario = ScenarioLibrary.Embedded("bias").AtIntensity(0.5);
        var player = new ScenarioPlayer(scenario, seed: 4);
        var flow = SamplePlant.Signals[SamplePlant.IndexOf("pump1", "flow")];
        for (var tick = 0; tick < player.TotalTicks; tick++)
        {
            var offset = SamplePlant.Period * tick;
            var messages = player.Tick(Start + offset);
            var reported = Values(messages.Single(m => m.Topic == "plant/pump1")).Single(v => v.Signal == flow).Value;
            // The bias ramps in over 2 s so that no step breaks the rate limit.
            var ramp = Math.Min(1, (offset - scenario.Attack.Start).TotalSeconds / 2);
            var expected = scenario.Attack.IsActiveAt(offset) ? player.Physics.Measured("pump1", "flow") - (0.05 * flow.Span * ramp) : player.Physics.Measured("pump1", "flow");
            Assert.Equal(expected, reported, 2);
        }
    }

    [Fact]
    public void Tick_Replay_SendsOnlyValuesRecordedJustBeforeTheWindow()
    {
        var scenario = ScenarioLibrary.Embedded("replay");
        var player = new ScenarioPlayer(scenario, seed: 5);
        var sent = new List<double>();
        var truth = new List<double>();
        for (var tick = 0; tick < player.TotalTicks; tick++)
        {
            var message = player.Tick(Start + (SamplePlant.Period * tick)).Single(m => m.Topic == "plant/pump1");
            sent.Add(Values(message).Single(v => v.Signal.SignalId == "speed").Value);
            truth.Add(player.Physics.Truth[SamplePlant.IndexOf("pump1", "speed")]);
        }

        var start = (int)(scenario.Attack.Start / SamplePlant.Period);
        var length = (int)(scenario.Attack.Duration / SamplePlant.Period) + 1;
        var recorded = sent.GetRange(start - length, length);
        var replayed = sent.GetRange(start, length);
        Assert.All(replayed, v => Assert.Contains(v, recorded));
        Assert.True(replayed.Distinct().Count() > length / 4, "the replay plays the recording, not one frame");
        // ... while the real pump slows well away from what is replayed.
        Assert.True(truth[start + length - 1] < replayed[^1] - 300, $"real {truth[start + length - 1]}, replayed {replayed[^1]}");
    }

    [Fact]
    public void Tick_SetPointTampering_DrivesTheRealLevelAboveTheOperatingBand()
    {
        var scenario = ScenarioLibrary.Embedded("set-point-tampering");
        var player = new ScenarioPlayer(scenario, seed: 6);
        var before = 0.0;
        var during = 0.0;
        for (var tick = 0; tick < player.TotalTicks; tick++)
        {
            var offset = SamplePlant.Period * tick;
            player.Tick(Start + offset);
            var level = player.Physics.Truth[SamplePlant.IndexOf("tank1", "level")];
            if (offset < scenario.Attack.Start)
            {
                before = Math.Max(before, level);
            }
            else if (scenario.Attack.IsActiveAt(offset))
            {
                during = Math.Max(during, level);
            }
        }

        Assert.True(before <= 1.3, $"normal operation reached {before} m");
        Assert.True(during >= 1.35 && during >= before + 0.1, $"tampering reached only {during} m (normal at most {before} m)");
    }

    [Fact]
    public void Tick_CredentialReuse_SendsTheThiefsMessagesOnItsOwnSessionWithHigherSequenceNumbers()
    {
        var scenario = ScenarioLibrary.Embedded("credential-reuse");
        var player = new ScenarioPlayer(scenario, seed: 7);
        long genuine = 0, stolen = 0;
        for (var tick = 0; tick < player.TotalTicks; tick++)
        {
            foreach (var message in player.Tick(Start + (SamplePlant.Period * tick)).Where(m => m.DeviceId == "loop-plc"))
            {
                if (player.IsStolenSession(message))
                {
                    stolen = Math.Max(stolen, message.Seq);
                    Assert.Equal("plant/valve_out", message.Topic);
                }
                else
                {
                    genuine = Math.Max(genuine, message.Seq);
                }
            }
        }

        Assert.True(stolen > genuine, "the thief's sequence numbers run ahead of the device's");
    }

    [Fact]
    public void Tick_SameSeed_GivesTheSameRun()
    {
        var scenario = ScenarioLibrary.Embedded("coordinated-spoof");
        var a = new ScenarioPlayer(scenario, seed: 9);
        var b = new ScenarioPlayer(scenario, seed: 9);
        for (var tick = 0; tick < a.TotalTicks; tick += 1)
        {
            var now = Start + (SamplePlant.Period * tick);
            Assert.Equal(a.Tick(now).Select(m => m.Payload.ToArray()), b.Tick(now).Select(m => m.Payload.ToArray()));
        }
    }

    private static List<(PlantSignal Signal, double Value)> Values(OutgoingMessage message)
    {
        var parts = message.Topic.Split('/');
        using var document = JsonDocument.Parse(message.Payload);
        var root = document.RootElement;
        if (parts.Length == 3)
        {
            return [(SamplePlant.Signals[SamplePlant.IndexOf(parts[1], parts[2])], root.GetProperty("value").GetDouble())];
        }

        return root.GetProperty("values").EnumerateObject()
            .Select(p => (SamplePlant.Signals[SamplePlant.IndexOf(parts[1], p.Name)], p.Value.GetDouble()))
            .ToList();
    }
}
