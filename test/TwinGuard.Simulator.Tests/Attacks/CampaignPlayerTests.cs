using System.Text.Json;
using TwinGuard.Simulator.Attacks;
using TwinGuard.Simulator.Devices;
using TwinGuard.Simulator.Physics;

namespace TwinGuard.Simulator.Tests.Attacks;

public sealed class CampaignPlayerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Demo = TimeSpan.FromSeconds(60);

    /// <summary>Every message of a run, per tick.</summary>
    private static List<IReadOnlyList<OutgoingMessage>> Play(int seed, IReadOnlyList<string> attacks, TimeSpan? duration = null)
    {
        var campaign = AttackCampaign.Create(seed, duration ?? Demo, attacks);
        var player = new CampaignPlayer(seed, campaign);
        var ticks = (int)((duration ?? Demo) / SamplePlant.Period);
        return Enumerable.Range(0, ticks).Select(k => player.Tick(Start + (SamplePlant.Period * k))).ToList();
    }

    private static int TickOf(TimeSpan offset) => (int)(offset / SamplePlant.Period);

    private static double? ValueOf(OutgoingMessage message, string assetId, string signalId)
    {
        using var json = JsonDocument.Parse(message.Payload);
        if (message.Topic == $"plant/{assetId}/{signalId}")
        {
            return json.RootElement.GetProperty("value").GetDouble();
        }

        return message.Topic == $"plant/{assetId}" && json.RootElement.GetProperty("values").TryGetProperty(signalId, out var v)
            ? v.GetDouble()
            : null;
    }

    private static double GenuineValue(IReadOnlyList<OutgoingMessage> tick, AttackTarget target) =>
        tick.Where(m => m.DeviceId == target.DeviceId)
            .Select(m => ValueOf(m, target.AssetId!, target.SignalId!))
            .First(v => v is not null)!.Value;

    [Fact]
    public void Tick_SameSeed_SendsTheSameBytes()
    {
        var a = Play(4, AttackNames.All);
        var b = Play(4, AttackNames.All);
        Assert.Equal(a.Count, b.Count);
        for (var k = 0; k < a.Count; k++)
        {
            Assert.Equal(a[k].Select(m => (m.DeviceId, m.Topic, Convert.ToBase64String(m.Payload.Span))), b[k].Select(m => (m.DeviceId, m.Topic, Convert.ToBase64String(m.Payload.Span))));
        }
    }

    [Fact]
    public void Tick_BeforeTheFirstAttack_SendsExactlyWhatACleanRunSends()
    {
        var campaign = AttackCampaign.Create(4, Demo, AttackNames.All);
        var attacked = Play(4, AttackNames.All);
        var clean = Play(4, []);
        for (var k = 0; k < TickOf(campaign.Attacks.Min(a => a.Start)); k++)
        {
            Assert.Equal(clean[k].Select(m => m.Payload.ToArray()), attacked[k].Select(m => m.Payload.ToArray()));
        }
    }

    [Fact]
    public void Tick_CleanRun_SendsOneWellFormedReadingPerPublicationPerPeriod()
    {
        var ticks = Play(8, [], TimeSpan.FromSeconds(30));
        var lastSeq = new Dictionary<string, long>();
        foreach (var tick in ticks)
        {
            Assert.Equal(6, tick.Count); // loop-plc: 3 assets, the others one each
            foreach (var message in tick)
            {
                Assert.Null(message.AttackName);
                var device = SamplePlant.Devices.Single(d => d.Id == message.DeviceId);
                Assert.Contains(PlantYaml.Sample.DeviceTopics[device.Id], f => PlantYaml.TopicMatches(f, message.Topic));
                using var json = JsonDocument.Parse(message.Payload);
                var seq = json.RootElement.GetProperty("seq").GetInt64();
                Assert.Equal(message.Seq, seq);
                Assert.True(seq > lastSeq.GetValueOrDefault(device.Id), $"{device.Id} seq {seq} does not increase");
                lastSeq[device.Id] = seq;
                var ts = json.RootElement.GetProperty("ts");
                Assert.Equal(device.TimestampFormat == TimestampFormat.UnixMilliseconds ? JsonValueKind.Number : JsonValueKind.String, ts.ValueKind);
            }
        }
    }

    [Fact]
    public void Tick_Spike_SendsAFewValuesFarFromNormalButInsideTheRange()
    {
        foreach (var seed in Enumerable.Range(1, 10))
        {
            var spike = AttackCampaign.Create(seed, Demo, AttackNames.All).Attacks.Single(a => a.Kind == AttackKind.Spike);
            var signal = SamplePlant.Signals[SamplePlant.IndexOf(spike.Target.AssetId!, spike.Target.SignalId!)];
            var attacked = Play(seed, AttackNames.All);
            var clean = Play(seed, []);
            Assert.InRange(TickOf(spike.Duration) + 1, 2, 8);
            for (var k = TickOf(spike.Start); k <= TickOf(spike.End); k++)
            {
                var value = GenuineValue(attacked[k], spike.Target);
                Assert.InRange(value, signal.Min, signal.Max);
                Assert.True(Math.Abs(value - GenuineValue(clean[k], spike.Target)) > 0.3 * signal.Span, $"seed {seed}: spike on {signal} is not far from normal");
                Assert.Contains(attacked[k], m => m.AttackName == "spike");
            }

            Assert.Equal(GenuineValue(clean[TickOf(spike.End) + 1], spike.Target), GenuineValue(attacked[TickOf(spike.End) + 1], spike.Target));
        }
    }

    [Fact]
    public void Tick_Frozen_RepeatsTheLastValueExactlyForTheWholeWindow()
    {
        foreach (var seed in Enumerable.Range(1, 10))
        {
            var frozen = AttackCampaign.Create(seed, Demo, AttackNames.All).Attacks.Single(a => a.Kind == AttackKind.Frozen);
            var attacked = Play(seed, AttackNames.All);
            var before = GenuineValue(attacked[TickOf(frozen.Start) - 1], frozen.Target);
            for (var k = TickOf(frozen.Start); k <= TickOf(frozen.End); k++)
            {
                Assert.Equal(before, GenuineValue(attacked[k], frozen.Target));
            }

            var after = Enumerable.Range(TickOf(frozen.End) + 1, 8).Select(k => GenuineValue(attacked[k], frozen.Target));
            Assert.Contains(after, v => v != before);
        }
    }

    [Fact]
    public void Tick_Drift_AddsABiasThatGrowsSteadilyBelowTheRateLimit()
    {
        foreach (var seed in Enumerable.Range(1, 10))
        {
            var drift = AttackCampaign.Create(seed, Demo, AttackNames.All).Attacks.Single(a => a.Kind == AttackKind.Drift);
            var signal = SamplePlant.Signals[SamplePlant.IndexOf(drift.Target.AssetId!, drift.Target.SignalId!)];
            var attacked = Play(seed, AttackNames.All);
            var clean = Play(seed, []);
            var biases = Enumerable.Range(TickOf(drift.Start), TickOf(drift.Duration) + 1)
                .Select(k => GenuineValue(attacked[k], drift.Target) - GenuineValue(clean[k], drift.Target))
                .ToList();
            var perTickLimit = signal.MaxRate * SamplePlant.Period.TotalSeconds;
            for (var i = 1; i < biases.Count; i++)
            {
                var step = Math.Abs(biases[i] - biases[i - 1]);
                Assert.True(step <= 0.3 * perTickLimit, $"seed {seed}: drift on {signal} grows by {step} in one period");
            }

            Assert.True(Math.Abs(biases[^1]) > 20 * signal.NoiseStdDev, $"seed {seed}: drift on {signal} only reaches {biases[^1]}");
            Assert.True(Math.Abs(biases[^1]) > Math.Abs(biases[0]));
        }
    }

    [Fact]
    public void Tick_Replay_ResendsEarlierMessagesVerbatimInsteadOfLiveOnes()
    {
        foreach (var seed in Enumerable.Range(1, 10))
        {
            var replay = AttackCampaign.Create(seed, Demo, AttackNames.All).Attacks.Single(a => a.Kind == AttackKind.Replay);
            var attacked = Play(seed, AttackNames.All);
            var offsetTicks = TickOf(replay.ReplayOffset);
            var maxSeqBefore = attacked.Take(TickOf(replay.Start)).SelectMany(t => t).Where(m => m.DeviceId == replay.Target.DeviceId).Max(m => m.Seq);
            for (var k = TickOf(replay.Start); k <= TickOf(replay.End); k++)
            {
                var sent = attacked[k].Where(m => m.DeviceId == replay.Target.DeviceId).ToList();
                var original = attacked[k - offsetTicks].Where(m => m.DeviceId == replay.Target.DeviceId).ToList();
                Assert.NotEmpty(sent);
                Assert.Equal(original.Select(m => (m.Topic, m.Payload.ToArray())), sent.Select(m => (m.Topic, m.Payload.ToArray())));
                Assert.All(sent, m => Assert.Equal("replay", m.AttackName));
                Assert.All(sent, m => Assert.True(m.Seq < maxSeqBefore));
            }

            var after = attacked[TickOf(replay.End) + 1].Where(m => m.DeviceId == replay.Target.DeviceId).ToList();
            Assert.All(after, m => Assert.True(m.Seq > maxSeqBefore, "the device resumes with fresh sequence numbers"));
        }
    }

    [Fact]
    public void Tick_Flood_SendsFiftyTimesTheRateFromOneDevice()
    {
        foreach (var seed in Enumerable.Range(1, 10))
        {
            var flood = AttackCampaign.Create(seed, Demo, AttackNames.All).Attacks.Single(a => a.Kind == AttackKind.Flood);
            var attacked = Play(seed, AttackNames.All);
            var clean = Play(seed, []);
            var topic = clean[0].First(m => m.DeviceId == flood.Target.DeviceId && m.Topic.StartsWith($"plant/{flood.Target.AssetId}", StringComparison.Ordinal)).Topic;
            for (var k = TickOf(flood.Start); k <= TickOf(flood.End); k++)
            {
                Assert.Equal(CampaignPlayer.FloodFactor, attacked[k].Count(m => m.DeviceId == flood.Target.DeviceId && m.Topic == topic));
                var seqs = attacked[k].Where(m => m.DeviceId == flood.Target.DeviceId).Select(m => m.Seq).ToList();
                Assert.Equal(seqs.Count, seqs.Distinct().Count());
            }

            Assert.Equal(1, attacked[TickOf(flood.End) + 1].Count(m => m.DeviceId == flood.Target.DeviceId && m.Topic == topic));
        }
    }

    [Fact]
    public void Tick_WrongTopic_PublishesAsAnAuthorisedDeviceToATopicItDoesNotOwn()
    {
        var yaml = PlantYaml.Sample;
        foreach (var seed in Enumerable.Range(1, 10))
        {
            var attack = AttackCampaign.Create(seed, Demo, AttackNames.All).Attacks.Single(a => a.Kind == AttackKind.WrongTopic);
            var attacked = Play(seed, AttackNames.All);
            for (var k = 0; k < attacked.Count; k++)
            {
                var foreign = attacked[k]
                    .Where(m => yaml.DeviceTopics.TryGetValue(m.DeviceId, out var filters) && !filters.Any(f => PlantYaml.TopicMatches(f, m.Topic)))
                    .ToList();
                if (attack.IsActiveAt(SamplePlant.Period * k))
                {
                    var message = Assert.Single(foreign);
                    Assert.Equal(attack.Target.DeviceId, message.DeviceId);
                    Assert.Equal($"plant/{attack.Target.AssetId}", message.Topic);
                }
                else
                {
                    Assert.Empty(foreign);
                }
            }
        }
    }

    [Fact]
    public void Tick_UnknownDevice_TriesOncePerSecondDuringItsWindowOnly()
    {
        var attack = AttackCampaign.Create(2, Demo, AttackNames.All).Attacks.Single(a => a.Kind == AttackKind.UnknownDevice);
        var attacked = Play(2, AttackNames.All);
        var attempts = attacked.SelectMany((t, k) => t.Where(m => m.DeviceId == attack.Target.DeviceId).Select(m => (k, m))).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a =>
        {
            Assert.True(attack.IsActiveAt(SamplePlant.Period * a.k));
            Assert.Equal($"plant/{attack.IntruderAssetId}", a.m.Topic);
        });
    }
}
