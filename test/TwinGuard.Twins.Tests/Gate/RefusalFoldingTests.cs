using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>
/// Refusals of an authenticated device are folded per device, address and reason like refused connections: one stored
/// row (with its payload) per window, every refusal still counted and raised as a finding.
/// </summary>
public sealed class RefusalFoldingTests
{
    private static readonly byte[] Forbidden = Encoding.UTF8.GetBytes("""{"ts":1764115200123,"seq":1,"value":1}""");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 22, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task AdmitAsync_RepeatedRefusalWithinTheWindow_StoresOneRowAndCountsEvery()
    {
        var (gate, evidence) = Create(SamplePlant.Load());
        var source = Source(gate, "127.0.0.1:50000");

        for (var i = 0; i < 50; i++)
        {
            await gate.AdmitAsync(source, "plant/conveyor1/speed", Forbidden, 1);
        }

        Assert.Equal(50, evidence.Metrics.RefusalsOf(ReasonCode.UnauthorisedTopic));
        Assert.Equal(50, Drain(evidence.Findings).Count);
        var stored = Assert.Single(Drain(evidence.Refusals));
        Assert.Equal(Forbidden, stored.Payload.ToArray());
        Assert.DoesNotContain("folded", stored.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdmitAsync_AfterTheWindow_NextRowSaysHowManyWereFolded()
    {
        var (gate, evidence) = Create(SamplePlant.Load());
        var source = Source(gate, "127.0.0.1:50000");
        for (var i = 0; i < 5; i++)
        {
            await gate.AdmitAsync(source, "plant/conveyor1/speed", Forbidden, 1);
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        await gate.AdmitAsync(source, "plant/conveyor1/speed", Forbidden, 1);

        var rows = Drain(evidence.Refusals);
        Assert.Equal(2, rows.Count);
        Assert.Contains("(4 more from this device and address for this reason since 2026-12-06T22:00:00.0000000+00:00 folded)", rows[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdmitAsync_OtherReasonOrOtherAddress_IsNotFolded()
    {
        var (gate, evidence) = Create(SamplePlant.Load());
        await gate.AdmitAsync(Source(gate, "127.0.0.1:50000"), "plant/conveyor1/speed", Forbidden, 1);
        await gate.AdmitAsync(Source(gate, "127.0.0.1:50001"), "plant/conveyor1/speed", Forbidden, 1); // same address, other port
        await gate.AdmitAsync(Source(gate, "127.0.0.2:50000"), "plant/conveyor1/speed", Forbidden, 1);
        await gate.AdmitAsync(Source(gate, "127.0.0.1:50000"), "plant/tank1", "not json"u8.ToArray(), 1);

        var rows = Drain(evidence.Refusals);
        Assert.Equal([ReasonCode.UnauthorisedTopic, ReasonCode.UnauthorisedTopic, ReasonCode.Malformed], rows.Select(r => r.Reason));
        Assert.Equal(["127.0.0.1:50000", "127.0.0.2:50000", "127.0.0.1:50000"], rows.Select(r => r.RemoteEndpoint));
    }

    [Fact]
    public async Task AdmitAsync_ConfiguredWindow_FoldsForThatLong()
    {
        var plant = PlantModelLoader.WithSwitches(SamplePlant.Load(), ["limits.refusal_fold_window=1m"]);
        var (gate, evidence) = Create(plant);
        var source = Source(gate, "127.0.0.1:50000");

        await gate.AdmitAsync(source, "plant/conveyor1/speed", Forbidden, 1);
        _time.Advance(TimeSpan.FromSeconds(30));
        await gate.AdmitAsync(source, "plant/conveyor1/speed", Forbidden, 1);
        gate.RefuseConnection("intruder", "c1", "192.0.2.7:4000", ReasonCode.UnknownSource, "no such device");
        _time.Advance(TimeSpan.FromSeconds(30));
        gate.RefuseConnection("intruder", "c1", "192.0.2.7:4001", ReasonCode.UnknownSource, "no such device");
        _time.Advance(TimeSpan.FromSeconds(31));
        await gate.AdmitAsync(source, "plant/conveyor1/speed", Forbidden, 1);
        gate.RefuseConnection("intruder", "c1", "192.0.2.7:4002", ReasonCode.UnknownSource, "no such device");

        var rows = Drain(evidence.Refusals);
        Assert.Equal(4, rows.Count);
        Assert.Contains("(1 more from this device and address", rows[2].Detail, StringComparison.Ordinal);
        Assert.Contains("(1 more from this address", rows[3].Detail, StringComparison.Ordinal);
    }

    private (ReadingGate Gate, EvidenceSink Evidence) Create(PlantModel plant)
    {
        var evidence = new EvidenceSink(new PipelineMetrics(), _time);
        return (new ReadingGate(plant, new QuarantineList(), new FloodGuard(plant, _time), evidence, new RecordingInbox()), evidence);
    }

    private static SourceInfo Source(ReadingGate gate, string remote) =>
        new(gate.Plant.Devices.Single(d => d.Id == "tank-gateway"), "tank-gateway-1", remote);

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
