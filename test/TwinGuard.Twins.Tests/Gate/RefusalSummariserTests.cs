using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Tests.Twin;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>A flood of refused messages from one device: a few rows whole, then one summary per window, every refusal counted.</summary>
public sealed class RefusalSummariserTests
{
    [Fact]
    public async Task AdmitAsync_FloodOfMalformed_StoresFirstWholeThenOneSummaryWithCountAndSamples()
    {
        var (gate, evidence, clock) = Create();
        var source = new SourceInfo(gate.Plant.FindDevice("tank-gateway")!, "flooder", "127.0.0.1:50000");

        for (var i = 0; i < 5000; i++)
        {
            await gate.AdmitAsync(source, "plant/tank1", Encoding.UTF8.GetBytes($"not json {i}"), 1);
        }

        Assert.Equal(RefusalSummariser.StoredPerWindow, Drain(evidence.Refusals).Count);
        clock.Advance(RefusalSummariser.Window + TimeSpan.FromSeconds(1)); // the timer closes the window

        var summary = Assert.Single(Drain(evidence.Refusals));
        Assert.Equal(ReasonCode.Malformed, summary.Reason);
        Assert.Contains("flood summary: 4980 more 'malformed' refusals of device 'tank-gateway'", summary.Detail, StringComparison.Ordinal);
        Assert.Equal($"not json {RefusalSummariser.StoredPerWindow}", Encoding.UTF8.GetString(summary.Payload.Span));
        Assert.Contains("#4096 ", summary.Detail, StringComparison.Ordinal); // sampled payload hashes across the window
        var findings = Drain(evidence.Findings);
        Assert.Equal(RefusalSummariser.StoredPerWindow + 1, findings.Count);
        Assert.Equal(4980, findings[^1].Occurrences);
        Assert.Equal(5000, evidence.Metrics.RefusalsOf(ReasonCode.Malformed));
        Assert.Equal(4980, evidence.Metrics.RefusalsSummarised);
        Assert.Equal(5000, evidence.Metrics.MessagesRefused);
    }

    [Fact]
    public async Task AdmitAsync_FewRefusalsPerWindow_AllStoredNoSummary()
    {
        var (gate, evidence, clock) = Create();
        var source = new SourceInfo(gate.Plant.FindDevice("tank-gateway")!, "slow", "127.0.0.1:50000");

        for (var window = 0; window < 3; window++)
        {
            for (var i = 0; i < RefusalSummariser.StoredPerWindow; i++)
            {
                await gate.AdmitAsync(source, "plant/tank1", "not json"u8.ToArray(), 1);
            }

            clock.Advance(RefusalSummariser.Window);
        }

        Assert.Equal(3 * RefusalSummariser.StoredPerWindow, Drain(evidence.Refusals).Count);
        Assert.Equal(0, evidence.Metrics.RefusalsSummarised);
    }

    [Fact]
    public async Task AdmitAsync_FloodFromOneDevice_AnotherDevicesRefusalsStillStoredWhole()
    {
        var (gate, evidence, _) = Create();
        var flooder = new SourceInfo(gate.Plant.FindDevice("tank-gateway")!, "flooder", "127.0.0.1:50000");
        var other = new SourceInfo(gate.Plant.FindDevice("loop-plc")!, "plc", "127.0.0.1:50001");

        for (var i = 0; i < 1000; i++)
        {
            await gate.AdmitAsync(flooder, "plant/tank1", "not json"u8.ToArray(), 1);
        }

        await gate.AdmitAsync(other, "plant/pump1", "not json"u8.ToArray(), 1);

        var stored = Drain(evidence.Refusals);
        Assert.Equal(RefusalSummariser.StoredPerWindow + 1, stored.Count);
        Assert.Equal("loop-plc", stored[^1].DeviceId);
    }

    [Fact]
    public async Task Dispose_WindowStillOpen_ItsSummaryStoredSoEveryCountedRefusalIsKept()
    {
        var (gate, evidence, clock) = Create();
        var source = new SourceInfo(gate.Plant.FindDevice("tank-gateway")!, "flooder", "127.0.0.1:50000");
        for (var i = 0; i < 1000; i++)
        {
            await gate.AdmitAsync(source, "plant/tank1", Encoding.UTF8.GetBytes($"not json {i}"), 1);
        }

        // The host stops a few seconds into the window: the flood's summary is written then, not lost with the timer.
        clock.Advance(RefusalSummariser.Window / 2);
        gate.Dispose();

        var stored = Drain(evidence.Refusals);
        var summary = Assert.Single(stored, r => r.Detail.StartsWith("flood summary:", StringComparison.Ordinal));
        Assert.Contains($"flood summary: {1000 - RefusalSummariser.StoredPerWindow} more 'malformed'", summary.Detail, StringComparison.Ordinal);

        // Every refusal counted is in the store: whole, or folded into a summary.
        var folded = stored.Where(r => r.Detail.StartsWith("flood summary:", StringComparison.Ordinal))
            .Sum(r => long.Parse(r.Detail.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(evidence.Metrics.Refusals, stored.Count - 1 + folded);
        Assert.Equal(evidence.Metrics.RefusalsSummarised, folded);
    }

    [Fact]
    public async Task ShouldStoreLate_FloodingDevicesLateReadings_FoldedIntoItsSummaryAndCountedExactly()
    {
        var (gate, evidence, clock) = Create();
        var flooder = new SourceInfo(gate.Plant.FindDevice("conveyor-plc")!, "flooder", "127.0.0.1:50000");
        var seq = 0;
        while ((await gate.AdmitAsync(flooder, "plant/conveyor1", Reading(++seq), 1)).Accepted)
        {
        }

        for (var i = 0; i < 100; i++)
        {
            await gate.AdmitAsync(flooder, "plant/conveyor1", Reading(++seq), 1); // refused for flooding: being summarised
        }

        // What the gate let through reaches the twin stamped a minute ago (the flooder's backlog, read at the held rate):
        // 1,000 refusals as past_timestamp, which fold into the device's summary like the gate's own.
        var core = new TwinCore(gate.Plant, gate.Plant.FindAsset("conveyor1")!, evidence, new RecordingTwinHost());
        var now = clock.GetUtcNow();
        for (var i = 0; i < 1000; i++)
        {
            var late = new ReadingMessage("conveyor-plc", ++seq, now.AddMinutes(-1).ToUnixTimeMilliseconds(), 0, [new SignalValue(0, 1.0)]);
            Assert.Equal(ReasonCode.PastTimestamp, core.Admit(late, now, now.ToUnixTimeMilliseconds()).Refusal);
        }

        clock.Advance(RefusalSummariser.Window + TimeSpan.FromSeconds(1)); // the timer closes the windows
        var stored = Drain(evidence.Refusals);
        var pastRows = stored.Where(r => r.Reason == ReasonCode.PastTimestamp).ToList();
        var summary = Assert.Single(pastRows, r => r.Detail.StartsWith("flood summary:", StringComparison.Ordinal));
        Assert.Equal(RefusalSummariser.StoredPerWindow + 1, pastRows.Count);
        Assert.Contains($"flood summary: {1000 - RefusalSummariser.StoredPerWindow} more 'past_timestamp' refusals of device 'conveyor-plc'", summary.Detail, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1:50000", summary.RemoteEndpoint); // the flooder's connection, though the twin never saw it
        Assert.Contains("behind the server clock", Encoding.UTF8.GetString(summary.Payload.Span), StringComparison.Ordinal); // a sample kept
        Assert.Equal(1000, evidence.Metrics.RefusalsOf(ReasonCode.PastTimestamp));

        // Every refusal counted is in the store: whole, or folded into a summary.
        var folded = stored.Where(r => r.Detail.StartsWith("flood summary:", StringComparison.Ordinal))
            .Sum(r => long.Parse(r.Detail.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture));
        var summaries = stored.Count(r => r.Detail.StartsWith("flood summary:", StringComparison.Ordinal));
        Assert.Equal(evidence.Metrics.Refusals, stored.Count - summaries + folded);
        Assert.Equal(evidence.Metrics.RefusalsSummarised, folded);
        Assert.Equal(summary.Detail.Split(' ')[2], Drain(evidence.Findings).Single(f => f.Reason == ReasonCode.PastTimestamp && f.Occurrences > 1).Occurrences.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ShouldStoreLate_DeviceNotBeingSummarised_EveryLateReadingStoredWhole()
    {
        var (gate, evidence, clock) = Create();
        var core = new TwinCore(gate.Plant, gate.Plant.FindAsset("tank1")!, evidence, new RecordingTwinHost());
        var now = clock.GetUtcNow();
        for (var i = 1; i <= 100; i++)
        {
            var late = new ReadingMessage("tank-gateway", i, now.AddMinutes(-1).ToUnixTimeMilliseconds(), 0, [new SignalValue(0, 1.0)]);
            Assert.Equal(ReasonCode.PastTimestamp, core.Admit(late, now, now.ToUnixTimeMilliseconds()).Refusal);
        }

        clock.Advance(RefusalSummariser.Window + TimeSpan.FromSeconds(1));
        Assert.Equal(100, Drain(evidence.Refusals).Count(r => r.Reason == ReasonCode.PastTimestamp && !r.Detail.StartsWith("flood summary:", StringComparison.Ordinal)));
        Assert.Equal(0, evidence.Metrics.RefusalsSummarised);
    }

    private static byte[] Reading(int seq) => Encoding.UTF8.GetBytes($"{{\"ts\":1764115200000,\"seq\":{seq},\"values\":{{\"belt_speed\":1.0}}}}");

    private static (ReadingGate Gate, EvidenceSink Evidence, FakeTimeProvider Clock) Create()
    {
        var plant = SamplePlant.Load();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        var evidence = new EvidenceSink(new PipelineMetrics(), clock);
        var gate = new ReadingGate(plant, new QuarantineList(), new FloodGuard(plant, clock), evidence, new RecordingInbox());
        return (gate, evidence, clock);
    }

    private static List<T> Drain<T>(System.Threading.Channels.ChannelReader<T> reader)
    {
        var items = new List<T>();
        while (reader.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }
}
