using System.Text;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>
/// The gate's count of messages refused as a whole: with the messages the twins took in, it accounts for every message
/// the gate decided on (what <c>twinguard simulate</c> waits for before moving simulated time on).
/// </summary>
public sealed class ReadingGateTests
{
    private static readonly byte[] TankReading = Encoding.UTF8.GetBytes("""{"ts":1764115200123,"seq":17,"values":{"level":1.25,"fluid_temp":24}}""");

    [Fact]
    public async Task AdmitAsync_EveryValueQuarantined_CountsOneRefusedMessageAndOneFindingPerValue()
    {
        var (gate, quarantine, metrics, inbox) = Create();
        quarantine.AddSignal("tank1", "level");
        quarantine.AddSignal("tank1", "fluid_temp");

        var decision = await gate.AdmitAsync(Source(gate), "plant/tank1", TankReading, 1);

        Assert.False(decision.Accepted);
        Assert.Empty(inbox.Delivered);
        Assert.Equal(1, metrics.Messages);
        Assert.Equal(1, metrics.MessagesRefused);
        Assert.Equal(2, metrics.RefusalsOf(ReasonCode.Quarantined));
    }

    [Fact]
    public async Task AdmitAsync_SomeValuesQuarantined_DeliversTheRestAndRefusesNoMessage()
    {
        var (gate, quarantine, metrics, inbox) = Create();
        quarantine.AddSignal("tank1", "level");

        var decision = await gate.AdmitAsync(Source(gate), "plant/tank1", TankReading, 1);

        Assert.True(decision.Accepted);
        Assert.Single(inbox.Delivered);
        Assert.Equal(0, metrics.MessagesRefused);
        Assert.Equal(1, metrics.RefusalsOf(ReasonCode.Quarantined));
    }

    [Fact]
    public async Task AdmitAsync_RefusedOrAccepted_EveryMessageIsDeliveredOrCountedRefused()
    {
        var (gate, quarantine, metrics, inbox) = Create();
        var source = Source(gate);
        await gate.AdmitAsync(source, "plant/tank1", TankReading, 1);                  // accepted
        await gate.AdmitAsync(source, "plant/conveyor1", TankReading, 1);              // another asset's topic
        await gate.AdmitAsync(source, "plant/tank1", "not json"u8.ToArray(), 1);       // malformed
        quarantine.AddDevice("tank-gateway");
        await gate.AdmitAsync(source, "plant/tank1", TankReading, 1);                  // device quarantined

        Assert.Equal(4, metrics.Messages);
        Assert.Equal(3, metrics.MessagesRefused);
        Assert.Equal(metrics.Messages, inbox.Delivered.Count + metrics.MessagesRefused);
    }

    [Fact]
    public async Task AdmitAsync_ReloadTakesTheTopicAwayOrTheDevice_NextMessageToTheSameTopicIsRefused()
    {
        // The source's route to plant/tank1 is kept after its first message (GateRoute): a reload must make it stale.
        var plant = new TwinGuard.Twins.Plant.PlantModelSource(SamplePlant.Load());
        var (gate, _, _, inbox) = Create(plant);
        var source = Source(gate);
        var first = plant.Current;
        Assert.True((await gate.AdmitAsync(source, "plant/tank1", TankReading, 1)).Accepted);

        plant.Apply(first with { Devices = [.. first.Devices.Select(d => d.Id == "tank-gateway" ? d with { Topics = ["plant/tank1/+"] } : d)] });
        Assert.Equal(ReasonCode.UnauthorisedTopic, (await gate.AdmitAsync(source, "plant/tank1", TankReading, 1)).Reason);

        plant.Apply(first with { Devices = [.. first.Devices.Where(d => d.Id != "tank-gateway")] });
        Assert.Equal(ReasonCode.UnknownSource, (await gate.AdmitAsync(source, "plant/tank1", TankReading, 1)).Reason);

        plant.Apply(first);
        Assert.True((await gate.AdmitAsync(source, "plant/tank1", TankReading, 1)).Accepted);
        Assert.Equal(2, inbox.Delivered.Count);
    }

    [Fact]
    public async Task AdmitAsync_OneSourceManyTopics_EachTopicKeepsItsOwnDecision()
    {
        // More topics than a source keeps routes for, interleaved: a kept route must never answer for another topic.
        var (gate, _, _, inbox) = Create();
        var source = Source(gate);
        for (var round = 0; round < 3; round++)
        {
            Assert.True((await gate.AdmitAsync(source, "plant/tank1", TankReading, 1)).Accepted);
            Assert.Equal(ReasonCode.UnauthorisedTopic, (await gate.AdmitAsync(source, "plant/conveyor1", TankReading, 1)).Reason);
            for (var i = 0; i < 2 * GateRoute.PerSource; i++)
            {
                Assert.Equal(ReasonCode.UnknownSignal, (await gate.AdmitAsync(source, $"plant/tank1/nosuch{i}", TankReading, 1)).Reason);
                Assert.Equal(ReasonCode.UnauthorisedTopic, (await gate.AdmitAsync(source, "plant/conveyor1", TankReading, 1)).Reason);
            }

            Assert.Equal(ReasonCode.Malformed, (await gate.AdmitAsync(source, "plant/tank1/level", TankReading, 1)).Reason); // 'values' on a signal topic
            Assert.True((await gate.AdmitAsync(source, "plant/tank1", TankReading, 1)).Accepted);
        }

        Assert.Equal(6, inbox.Delivered.Count);
    }

    private static (ReadingGate Gate, QuarantineList Quarantine, PipelineMetrics Metrics, RecordingInbox Inbox) Create(TwinGuard.Twins.Plant.PlantModelSource? source = null)
    {
        var plant = source ?? SamplePlant.Load();
        var quarantine = new QuarantineList();
        var metrics = new PipelineMetrics();
        var inbox = new RecordingInbox();
        var gate = new ReadingGate(plant, quarantine, new FloodGuard(plant, TimeProvider.System), new EvidenceSink(metrics, TimeProvider.System), inbox);
        return (gate, quarantine, metrics, inbox);
    }

    private static SourceInfo Source(ReadingGate gate) =>
        new(gate.Plant.Devices.Single(d => d.Id == "tank-gateway"), "tank-gateway-1", "127.0.0.1:50000");
}
