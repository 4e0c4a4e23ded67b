using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>
/// The fold window of <c>limits.refusal_fold_window</c>: refused connections are folded per address and reason for that
/// long, and a device's refused messages are summarised per window of that length (<see cref="RefusalSummariser"/>, whose
/// own tests cover the summaries).
/// </summary>
public sealed class RefusalFoldingTests
{
    private static readonly byte[] Forbidden = Encoding.UTF8.GetBytes("""{"ts":1764115200123,"seq":1,"value":1}""");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 22, 0, 0, TimeSpan.Zero));

    [Fact]
    public void RefuseConnection_ConfiguredWindow_FoldsForThatLong()
    {
        var plant = PlantModelLoader.WithSwitches(SamplePlant.Load(), ["limits.refusal_fold_window=1m"]);
        var (gate, evidence) = Create(plant);

        gate.RefuseConnection("intruder", "c1", "192.0.2.7:4000", ReasonCode.UnknownSource, "no such device");
        _time.Advance(TimeSpan.FromSeconds(30));
        gate.RefuseConnection("intruder", "c1", "192.0.2.7:4001", ReasonCode.UnknownSource, "no such device");
        _time.Advance(TimeSpan.FromSeconds(31));
        gate.RefuseConnection("intruder", "c1", "192.0.2.7:4002", ReasonCode.UnknownSource, "no such device");

        var rows = Drain(evidence.Refusals);
        Assert.Equal(2, rows.Count);
        Assert.Contains("(1 more from this address", rows[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdmitAsync_ConfiguredWindow_SummarisesPerThatWindow()
    {
        var plant = PlantModelLoader.WithSwitches(SamplePlant.Load(), ["limits.refusal_fold_window=1m"]);
        var (gate, evidence) = Create(plant);
        var source = new SourceInfo(gate.Plant.Devices.Single(d => d.Id == "tank-gateway"), "tank-gateway-1", "127.0.0.1:50000");

        for (var i = 0; i < RefusalSummariser.StoredPerWindow + 5; i++)
        {
            await gate.AdmitAsync(source, "plant/conveyor1/speed", Forbidden, 1);
        }

        _time.Advance(TimeSpan.FromSeconds(30)); // within the configured minute: still one window
        await gate.AdmitAsync(source, "plant/conveyor1/speed", Forbidden, 1);
        Assert.Equal(RefusalSummariser.StoredPerWindow, Drain(evidence.Refusals).Count);

        _time.Advance(TimeSpan.FromSeconds(31)); // the minute ended: the summary is written
        var summary = Assert.Single(Drain(evidence.Refusals));
        Assert.Contains("flood summary: 6 more", summary.Detail, StringComparison.Ordinal);
        Assert.Equal(RefusalSummariser.StoredPerWindow + 6, evidence.Metrics.RefusalsOf(ReasonCode.UnauthorisedTopic));
    }

    private (ReadingGate Gate, EvidenceSink Evidence) Create(PlantModel plant)
    {
        var evidence = new EvidenceSink(new PipelineMetrics(), _time);
        return (new ReadingGate(new PlantModelSource(plant), new QuarantineList(), new FloodGuard(plant, _time), evidence, new RecordingInbox()), evidence);
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
