using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Twin;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>The twin grain in a real (test) silo: trusted state, last-known-good values and the findings it raises.</summary>
[Collection(TwinClusterCollection.Name)]
public sealed class TwinGrainTests(TwinClusterFixture fixture)
{
    private static long NowMs => TwinClusterFixture.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static ReadingMessage Message(long seq, double level, double temp) =>
        new("tank-gateway", seq, NowMs, 0, [new SignalValue(0, level), new SignalValue(1, temp)]);

    private static List<Finding> DrainFindings()
    {
        var found = new List<Finding>();
        while (TwinClusterFixture.Evidence.Findings.TryRead(out var finding))
        {
            found.Add(finding);
        }

        return found;
    }

    [Fact]
    public async Task Ingest_RefusedValue_KeepsLastKnownGoodAndMarksSuspect()
    {
        var twin = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("tank1");
        DrainFindings();

        await twin.IngestAsync([Message(1, 1.0, 25), Message(2, 1.01, 25.1)]);
        TwinClusterFixture.Clock.Advance(TimeSpan.FromMilliseconds(250));
        await twin.IngestAsync([Message(3, 9.0, 25.2)]); // level outside 0..2 m

        var snapshot = await twin.GetSnapshotAsync();
        var level = snapshot.Signals.Single(s => s.SignalId == "level");
        Assert.Equal(1.01, level.Value);
        Assert.Equal(SignalTrust.Suspect, level.Trust);
        Assert.Equal(25.2, snapshot.Signals.Single(s => s.SignalId == "fluid_temp").Value);
        var refusal = Assert.Single(DrainFindings());
        Assert.Equal((ReasonCode.OutOfRange, "tank1", "level", 9.0), (refusal.Reason, refusal.AssetId, refusal.SignalId, refusal.Value));
    }

    [Fact]
    public async Task Ingest_LevelHeldAboveItsOperatingBand_IsAcceptedAndRaisesOneCriticalOperatingLimit()
    {
        var twin = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("tank1");
        DrainFindings();
        // Its own device id: the tank's other test numbers its messages from 1.
        ReadingMessage Level(long seq, double level) => new("tank-gateway-operating", seq, NowMs, 0, [new SignalValue(0, level), new SignalValue(1, 25)]);

        await twin.IngestAsync([Level(1, 1.0)]);
        for (var second = 1; second <= 7; second++)
        {
            TwinClusterFixture.Clock.Advance(TimeSpan.FromSeconds(1));
            await twin.IngestAsync([Level(1 + second, 1.4 + (second * 0.001))]);
        }

        var level = (await twin.GetSnapshotAsync()).Signals.Single(s => s.SignalId == "level");
        Assert.Equal(1.407, level.Value!.Value, 9); // accepted: the value is credible, the process is not where it should be
        var excursion = Assert.Single(DrainFindings(), f => f.Reason == ReasonCode.OperatingLimit);
        Assert.Equal((Severity.Critical, "tank1", "level"), (excursion.Severity, excursion.AssetId, excursion.SignalId));
        Assert.Equal(1.406, excursion.Value!.Value, 9); // 5 s after it first left the band
        Assert.Contains("above its high limit 1.3 for 5 s", excursion.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_SetPointThatHoldsThenSteps_IsNeitherFrozenNorAnOutlier_ButItsOperatingBandApplies()
    {
        var twin = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("controller");
        DrainFindings();
        var seq = 0;
        async Task SendAsync(double setPoint, int samples)
        {
            for (var i = 0; i < samples; i++)
            {
                TwinClusterFixture.Clock.Advance(TimeSpan.FromMilliseconds(250));
                await twin.IngestAsync([new ReadingMessage("controller-plc", ++seq, NowMs, 0, [new SignalValue(0, 1.0 + (0.001 * (seq % 7))), new SignalValue(1, setPoint)])]);
            }
        }

        // Held far longer than frozen_samples (40), then an operator's step, 0.3 m at once (max_rate of the level: 0.5 m/s).
        await SendAsync(1.0, 200);
        await SendAsync(1.15, 200);
        Assert.DoesNotContain(DrainFindings(), f => f.SignalId == "level_setpoint");
        var setPoint = (await twin.GetSnapshotAsync()).Signals.Single(s => s.SignalId == "level_setpoint");
        Assert.Equal((1.15, 1.15, 0.0, SignalTrust.Trusted), (setPoint.Value, setPoint.Expected, setPoint.Spread, setPoint.Trust));

        // A set-point driven out of its band is reported once the band's delay has passed.
        await SendAsync(1.7, 30);
        var excursion = Assert.Single(DrainFindings(), f => f.SignalId == "level_setpoint");
        Assert.Equal(ReasonCode.OperatingLimit, excursion.Reason);
    }

    [Fact]
    public async Task Ingest_ReplayedBatch_IsRefusedWhole()
    {
        var twin = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("valve_in");
        DrainFindings();
        var message = new ReadingMessage("loop-plc", 10, NowMs, 0, [new SignalValue(0, 40)]);

        await twin.IngestAsync([message]);
        await twin.IngestAsync([message]);

        var finding = Assert.Single(DrainFindings());
        Assert.Equal(ReasonCode.ReplayedSequence, finding.Reason);
        Assert.Equal("loop-plc", finding.DeviceId);
    }
}
