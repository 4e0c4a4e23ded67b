using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Relations;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>Twin relations across assets in a real (test) silo: the twins forward accepted values to the relation grain.</summary>
[Collection(TwinClusterCollection.Name)]
public sealed class RelationGrainTests(TwinClusterFixture fixture)
{
    private const string Relation = "motor-current-follows-flow";

    // The loop PLC's sequence per asset must only grow, whatever order the tests run in.
    private static long _sequence = 100_000;

    private static long NowMs => TwinClusterFixture.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static int Pump(string signal) => SamplePlant.Load().FindAsset("pump1")!.IndexOf(signal);

    private static ReadingMessage PumpMessage(long seq, long ts, double flow, double current) =>
        new("loop-plc", seq, ts, 0, [new SignalValue(Pump("flow"), flow), new SignalValue(Pump("motor_current"), current)]);

    private static async Task<RelationSnapshot> WaitForAsync(IRelationGrain grain, Func<RelationSnapshot, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var snapshot = await grain.GetSnapshotAsync();
            if (condition(snapshot) || DateTime.UtcNow > deadline)
            {
                return snapshot;
            }

            await Task.Delay(20); // poll, do not spin: spinning starves what is awaited on two cores
        }
    }

    [Fact]
    public async Task Ingest_ConsistentThenInconsistentValues_HoldsThenRaisesRelationViolated()
    {
        var pump = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("pump1");
        var relation = fixture.Cluster.GrainFactory.GetGrain<IRelationGrain>(Relation);
        var raised = new List<Finding>();
        void Collect(Finding f)
        {
            if (f.Reason == ReasonCode.RelationViolated && f.Message.Contains(Relation, StringComparison.Ordinal))
            {
                lock (raised)
                {
                    raised.Add(f);
                }
            }
        }

        TwinClusterFixture.Evidence.Raised += Collect;
        try
        {
            var start = NowMs;
            await pump.IngestAsync([PumpMessage(Interlocked.Increment(ref _sequence), start - 500, 60, 4.2), PumpMessage(Interlocked.Increment(ref _sequence), start - 250, 62, 4.3)]);
            var holding = await WaitForAsync(relation, s => s.Evaluations >= 2);

            Assert.Equal(RelationState.Holding, holding.State);
            Assert.Equal(4.3, holding.Measured!.Value, 9);
            Assert.Equal(4.3, holding.Expected!.Value, 9);
            Assert.Equal(["pump1.motor_current", "pump1.flow"], holding.Signals);
            Assert.Equal("pump1.motor_current", holding.MeasuredSignal);

            // A current that no longer follows the flow: 6.5 A where 1.2 + 0.05 · 62 = 4.3 A.
            await pump.IngestAsync([PumpMessage(Interlocked.Increment(ref _sequence), start, 62, 6.5)]);
            var violated = await WaitForAsync(relation, s => s.Evaluations >= 3);

            Assert.Equal(RelationState.Violated, violated.State);
            Assert.Equal(2.2, violated.Residual!.Value, 9);
            Finding finding;
            lock (raised)
            {
                finding = Assert.Single(raised);
            }

            Assert.Equal(("pump1", "motor_current", "loop-plc"), (finding.AssetId, finding.SignalId, finding.DeviceId));
            Assert.Contains("residual 2.2", finding.Message, StringComparison.Ordinal);
            Assert.Contains("expected 4.3", finding.Message, StringComparison.Ordinal);
            Assert.Contains("pump1.flow", finding.Message, StringComparison.Ordinal);
        }
        finally
        {
            TwinClusterFixture.Evidence.Raised -= Collect;
        }
    }

    [Fact]
    public async Task Ingest_InputThatAnotherHoldingRelationVouchesFor_IsNotBlamed()
    {
        // iso.x really rises from 10 to 20 and iso.z follows it (z ~ 3x holds), but iso.y is held at its old value by an
        // attacker. Alone, y ~ 2x would blame x: x back at 10 explains the residual, y never moved. Across relations,
        // z ~ 3x still agrees with x, so y is blamed.
        var iso = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("iso");
        var lied = fixture.Cluster.GrainFactory.GetGrain<IRelationGrain>("iso-y-follows-x");
        var honest = fixture.Cluster.GrainFactory.GetGrain<IRelationGrain>("iso-z-follows-x");
        var raised = new List<Finding>();
        void Collect(Finding f)
        {
            if (f.Reason == ReasonCode.RelationViolated && f.AssetId == "iso")
            {
                lock (raised)
                {
                    raised.Add(f);
                }
            }
        }

        ReadingMessage Iso(long seq, long ts, double x, double y, double z) =>
            new("iso-device", seq, ts, 0, [new SignalValue(0, x), new SignalValue(1, y), new SignalValue(2, z)]);

        TwinClusterFixture.Evidence.Raised += Collect;
        try
        {
            // Enough agreement for the relations to learn their residual's normal band (warm_up: 60 evaluations).
            const int Normal = 70;
            var start = NowMs;
            await iso.IngestAsync([.. Enumerable.Range(1, Normal).Select(i => Iso(i, start - ((Normal + 1 - i) * 250L), 10, 20, 30))]);
            await WaitForAsync(lied, s => s.Evaluations >= Normal);
            await WaitForAsync(honest, s => s.Evaluations >= Normal);
            Assert.Equal(Testimony.Vouches, await honest.TestifyAsync());

            await iso.IngestAsync([Iso(Normal + 1, start, 20, 20, 60)]);
            var violated = await WaitForAsync(lied, s => s.Evaluations >= Normal + 1);

            Assert.Equal(RelationState.Violated, violated.State);
            Assert.Equal(RelationState.Holding, (await WaitForAsync(honest, s => s.Evaluations >= Normal + 1)).State);
            Finding finding;
            lock (raised)
            {
                finding = Assert.Single(raised);
            }

            Assert.Equal(("iso", "y"), (finding.AssetId, finding.SignalId));
            Assert.Contains("blamed: iso.y", finding.Message, StringComparison.Ordinal);
        }
        finally
        {
            TwinClusterFixture.Evidence.Raised -= Collect;
        }
    }

    [Fact]
    public async Task Ingest_QuarantinedInput_MakesRelationUnknownNotViolated()
    {
        var conveyor = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("conveyor1");
        var relation = fixture.Cluster.GrainFactory.GetGrain<IRelationGrain>("conveyor-current-follows-belt");
        var quarantine = fixture.Cluster.Primary is Orleans.TestingHost.InProcessSiloHandle silo
            ? (QuarantineList)silo.SiloHost.Services.GetService(typeof(QuarantineList))!
            : throw new InvalidOperationException("expected an in-process silo");
        var asset = SamplePlant.Load().FindAsset("conveyor1")!;
        ReadingMessage Message(long seq, long ts, double belt, double current) =>
            new("conveyor-plc", seq, ts, 0, [new SignalValue(asset.IndexOf("belt_speed"), belt), new SignalValue(asset.IndexOf("motor_current"), current)]);

        quarantine.AddSignal("conveyor1", "motor_current");
        try
        {
            await conveyor.IngestAsync([Message(5000, NowMs - 250, 1.5, 14.0), Message(5001, NowMs, 1.5, 14.0)]);
            var snapshot = await WaitForAsync(relation, s => s.EvaluatedAt is not null);

            Assert.Equal(RelationState.Unknown, snapshot.State);
            Assert.Equal(0, snapshot.Violations);
            Assert.Null(snapshot.Residual);
        }
        finally
        {
            quarantine.ReleaseSignal("conveyor1", "motor_current");
        }
    }

    [Fact]
    public async Task Ingest_JumpTheRelationExplains_IsNotAnOutlierUnlessTheRelationIsUnknown()
    {
        var pump = fixture.Cluster.GrainFactory.GetGrain<ITwinGrain>("pump1");
        var voltage = Pump("motor_voltage");
        var start = NowMs - (100 * 250);
        var outliers = new List<Finding>();
        void Collect(Finding f)
        {
            if (f.Reason == ReasonCode.StatisticalOutlier && f.SignalId == "motor_voltage")
            {
                lock (outliers)
                {
                    outliers.Add(f);
                }
            }
        }

        Task Send(int tick, double value) =>
            pump.IngestAsync([new ReadingMessage("loop-plc", Interlocked.Increment(ref _sequence), start + (250L * tick), 0, [new SignalValue(voltage, value)])]);

        TwinClusterFixture.Evidence.Raised += Collect;
        try
        {
            for (var tick = 0; tick < 80; tick++)
            {
                await Send(tick, 230 + (0.1 * ((tick * 7 % 5) - 2))); // quiet supply, a little noise
            }

            // The supply relation (motor_voltage ~ 230, tolerance 3.5 V) holds: a 2 V step is a change it explains.
            await pump.RelationStateChangedAsync("supply-voltage-nominal", RelationState.Holding, null);
            await Send(80, 232);
            for (var tick = 81; tick < 90; tick++)
            {
                await Send(tick, 232 + (0.1 * ((tick * 7 % 5) - 2)));
            }

            lock (outliers)
            {
                Assert.Empty(outliers);
            }

            // With the relation unknown (an input quarantined or stale) the signal's own detector speaks again.
            await pump.RelationStateChangedAsync("supply-voltage-nominal", RelationState.Unknown, null);
            await Send(90, 230);

            lock (outliers)
            {
                var outlier = Assert.Single(outliers);
                Assert.Equal(230, outlier.Value);
            }
        }
        finally
        {
            TwinClusterFixture.Evidence.Raised -= Collect;
        }
    }
}
