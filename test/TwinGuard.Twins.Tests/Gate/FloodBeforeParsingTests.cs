using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>Once a device has spent its flood bucket, its messages are refused before they are parsed, and its connection is held.</summary>
public sealed class FloodBeforeParsingTests
{
    [Fact]
    public async Task AdmitAsync_BucketSpent_NextMessageRefusedAsFloodingUnparsedWithAHold()
    {
        var (gate, clock) = Create();
        var source = new SourceInfo(gate.Plant.FindDevice("conveyor-plc")!, "flooder", "127.0.0.1:50000");
        var admitted = 0;
        GateDecision decision;
        var seq = 0;
        while ((decision = await gate.AdmitAsync(source, "plant/conveyor1", Reading(++seq), 1)).Accepted)
        {
            admitted++;
        }

        // conveyor1: 3 signals every 250 ms, flood factor 4: 48 values/s, a bucket of two seconds.
        Assert.Equal(96, admitted);
        Assert.Equal(ReasonCode.Flooding, decision.Reason);
        Assert.InRange(decision.HoldReading, FloodGuard.MinHold, FloodGuard.MaxHold);

        // Not parsed: a payload that is not even JSON is refused as the flood, not as malformed.
        var unparsed = await gate.AdmitAsync(source, "plant/conveyor1", "not json"u8.ToArray(), 1);
        Assert.Equal(ReasonCode.Flooding, unparsed.Reason);
        Assert.InRange(unparsed.HoldReading, FloodGuard.MinHold, FloodGuard.MaxHold);

        // The bucket refills at the allowed rate: after the hold, the device is read and admitted again.
        clock.Advance(unparsed.HoldReading);
        Assert.True((await gate.AdmitAsync(source, "plant/conveyor1", Reading(++seq), 1)).Accepted);
    }

    [Fact]
    public async Task AdmitAsync_FloodGoesOnPastSustainedAfter_CutOffUntilItExpires()
    {
        var (gate, clock, source) = CreateWithFlooder();
        var device = source.Device;
        var seq = 0;
        while ((await gate.AdmitAsync(source, "plant/conveyor1", Reading(++seq), 1)).Accepted)
        {
        }

        // Refused, read again after each hold, refused again: a flood, but not yet a sustained one.
        var flooding = TimeSpan.Zero;
        GateDecision decision;
        do
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            flooding += TimeSpan.FromMilliseconds(100);
            for (var i = 0; i < 20; i++)
            {
                decision = await gate.AdmitAsync(source, "plant/conveyor1", Reading(++seq), 1);
                if (flooding < FloodGuard.SustainedAfter)
                {
                    Assert.False(decision.CutOff, $"cut off after {flooding.TotalMilliseconds} ms");
                    Assert.False(gate.Flood.IsCutOff(device.Id, out _));
                }
            }
        }
        while (flooding < FloodGuard.SustainedAfter);

        decision = await gate.AdmitAsync(source, "plant/conveyor1", Reading(++seq), 1);
        Assert.Equal(ReasonCode.Flooding, decision.Reason);
        Assert.True(decision.CutOff);
        Assert.True(gate.Flood.IsCutOff(device.Id, out var left));
        Assert.InRange(left, FloodGuard.CutOffFor - TimeSpan.FromSeconds(1), FloodGuard.CutOffFor);
        Assert.False(gate.Flood.IsCutOff("loop-plc", out _)); // the others are not

        clock.Advance(FloodGuard.CutOffFor);
        Assert.False(gate.Flood.IsCutOff(device.Id, out _));
    }

    [Fact]
    public async Task AdmitAsync_FloodCutOffOff_HeldButNeverCutOff()
    {
        var plant = PlantModelLoader.Parse(SamplePlant.Text.Replace("  flood_factor: 4 ", "  flood_cut_off: off\n  flood_factor: 4 ", StringComparison.Ordinal));
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        var gate = new ReadingGate(plant, new QuarantineList(), new FloodGuard(plant, clock), new EvidenceSink(new PipelineMetrics(), clock), new RecordingInbox());
        var source = new SourceInfo(gate.Plant.FindDevice("conveyor-plc")!, "flooder", "127.0.0.1:50000");
        var seq = 0;
        var refused = 0;
        for (var round = 0; round < 100; round++) // ten seconds of flood, ten times SustainedAfter
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            for (var i = 0; i < 20; i++)
            {
                var decision = await gate.AdmitAsync(source, "plant/conveyor1", Reading(++seq), 1);
                Assert.False(decision.CutOff);
                if (!decision.Accepted)
                {
                    refused++;
                    Assert.Equal(ReasonCode.Flooding, decision.Reason);
                    Assert.InRange(decision.HoldReading, FloodGuard.MinHold, FloodGuard.MaxHold);
                }
            }
        }

        Assert.True(refused > 1000, $"{refused} refused");
        Assert.False(gate.Flood.IsCutOff(source.Device.Id, out _));
    }

    [Fact]
    public async Task ReleaseDevice_WhileCutOffForFlooding_EndsTheCutOff()
    {
        var (gate, clock, source) = CreateWithFlooder();
        var device = source.Device;
        var seq = 0;
        var cutOff = false;
        for (var round = 0; round < 50 && !cutOff; round++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            for (var i = 0; i < 20 && !cutOff; i++)
            {
                cutOff = (await gate.AdmitAsync(source, "plant/conveyor1", Reading(++seq), 1)).CutOff;
            }
        }

        Assert.True(cutOff);
        gate.Quarantine.AddDevice(device.Id); // what the shipped playbook does
        Assert.True(gate.Flood.IsCutOff(device.Id, out _));
        gate.Quarantine.ReleaseDevice(device.Id);
        Assert.False(gate.Flood.IsCutOff(device.Id, out _));
    }

    [Fact]
    public async Task AdmitAsync_BurstsWithTheBucketRefilledBetween_NeverCutOff()
    {
        var (gate, clock) = Create();
        var source = new SourceInfo(gate.Plant.FindDevice("conveyor-plc")!, "bursty", "127.0.0.1:50000");
        var seq = 0;
        for (var burst = 0; burst < 5; burst++)
        {
            GateDecision decision;
            while ((decision = await gate.AdmitAsync(source, "plant/conveyor1", Reading(++seq), 1)).Accepted)
            {
            }

            Assert.Equal(ReasonCode.Flooding, decision.Reason);
            Assert.False(decision.CutOff);
            clock.Advance(TimeSpan.FromSeconds(3)); // quiet long enough to fill the two-second bucket
        }
    }

    [Fact]
    public async Task AdmitAsync_WithinTheRate_NoHold()
    {
        var (gate, clock) = Create();
        var source = new SourceInfo(gate.Plant.FindDevice("conveyor-plc")!, "plc", "127.0.0.1:50000");
        for (var seq = 1; seq <= 400; seq++)
        {
            var decision = await gate.AdmitAsync(source, "plant/conveyor1", Reading(seq), 1);
            Assert.True(decision.Accepted);
            Assert.Equal(TimeSpan.Zero, decision.HoldReading);
            clock.Advance(TimeSpan.FromMilliseconds(250)); // the declared period
        }
    }

    private static byte[] Reading(int seq) => Encoding.UTF8.GetBytes($"{{\"ts\":1764115200000,\"seq\":{seq},\"values\":{{\"belt_speed\":1.0}}}}");

    private static (ReadingGate Gate, FakeTimeProvider Clock, SourceInfo Flooder) CreateWithFlooder()
    {
        var (gate, clock) = Create();
        return (gate, clock, new SourceInfo(gate.Plant.FindDevice("conveyor-plc")!, "flooder", "127.0.0.1:50000"));
    }

    private static (ReadingGate Gate, FakeTimeProvider Clock) Create()
    {
        var plant = SamplePlant.Load();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        var gate = new ReadingGate(plant, new QuarantineList(), new FloodGuard(plant, clock), new EvidenceSink(new PipelineMetrics(), clock), new RecordingInbox());
        return (gate, clock);
    }
}
