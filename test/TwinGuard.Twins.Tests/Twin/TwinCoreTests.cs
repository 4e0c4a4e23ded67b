using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Twin;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>The twin's per-message logic without a silo: what the site's grain and the edge's asset twin both run.</summary>
public sealed class TwinCoreTests
{
    private const string Device = "tank-gateway";
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    /// <summary>How often a twin of tank1 (signals every 250 ms) checks staleness: four periods.</summary>
    private static readonly TimeSpan StalenessInterval = TimeSpan.FromSeconds(1);

    private readonly PlantModel _plant = SamplePlant.Load();
    private readonly EvidenceSink _evidence = new(new PipelineMetrics(), TimeProvider.System);
    private readonly RecordingTwinHost _host = new();
    private long _sequence;

    [Fact]
    public void Admit_ReplayedSequence_RefusesTheMessageAndAcceptsNothing()
    {
        var core = Core("tank1");
        Assert.True(Ingest(core, Start, (0, 1.0), (1, 40)));

        var replay = new ReadingMessage(Device, _sequence, Start.ToUnixTimeMilliseconds(), 0, [new SignalValue(0, 1.1)]);
        Assert.Equal(ReasonCode.ReplayedSequence, core.Admit(replay, Start, Start.ToUnixTimeMilliseconds()).Refusal);

        Assert.True(_evidence.Refusals.TryRead(out var refusal));
        Assert.Equal(ReasonCode.ReplayedSequence, refusal.Reason);
        Assert.Equal("plant/tank1", refusal.Topic);
        Assert.Null(refusal.SignalId);
        var finding = Findings().Single();
        Assert.Equal(ReasonCode.ReplayedSequence.DefaultSeverity(), finding.Severity);
        Assert.Equal(2, _host.Accepted.Count); // the first message's two values only
        Assert.Equal(1.0, core.Signals[0].Value);
    }

    [Fact]
    public void Accept_ValueOutOfRange_RefusesItKeepsTheLastGoodValueAndEscalatesOnAHighCriticalitySignal()
    {
        var core = Core("tank1"); // level: high criticality, 0..2 m; fluid_temp: medium
        Assert.True(Ingest(core, Start, (0, 1.0), (1, 40)));
        _host.Accepted.Clear();

        Assert.True(Ingest(core, Start.AddSeconds(1), (0, 2.5), (1, 40.5)));

        Assert.Equal(1.0, core.Signals[0].Value);
        Assert.Equal(SignalTrust.Suspect, core.Signals[0].Trust);
        Assert.Equal(40.5, core.Signals[1].Value);
        Assert.Equal([(1, Start.AddSeconds(1).ToUnixTimeMilliseconds(), 40.5, Device)], _host.Accepted);
        var finding = Findings().Single();
        Assert.Equal(ReasonCode.OutOfRange, finding.Reason);
        Assert.Equal("level", finding.SignalId);
        Assert.Equal(ReasonCode.OutOfRange.DefaultSeverity() + 1, finding.Severity);
        Assert.Equal(2.5, finding.Value);
        Assert.Equal(1, _evidence.Metrics.RefusalsOf(ReasonCode.OutOfRange));
        Assert.Equal(3, _evidence.Metrics.ReadingsAccepted);
    }

    [Fact]
    public void Accept_JumpAfterWarmUp_RaisesAnOutlierOnThatSignal()
    {
        var core = Core("tank1");
        var now = WarmUp(core, (0, 1.0), (1, 40));

        Assert.True(Ingest(core, now, (0, 1.0), (1, 41.5)));

        var finding = Findings().Single();
        Assert.Equal(ReasonCode.StatisticalOutlier, finding.Reason);
        Assert.Equal("fluid_temp", finding.SignalId);
        Assert.Equal(ReasonCode.StatisticalOutlier.DefaultSeverity(), finding.Severity);
        Assert.Equal(SignalTrust.Suspect, core.Signals[1].Trust);
        Assert.Equal(41.5, core.Signals[1].Value); // credible: accepted, only suspect
    }

    [Fact]
    public void Accept_JumpTheRelationsExplain_IsAnOperatingChange()
    {
        var core = Core("tank1");
        var now = WarmUp(core, (0, 1.0), (1, 40));
        _host.Explained.Add(1);

        Assert.True(Ingest(core, now, (0, 1.0), (1, 41.5)));

        Assert.Empty(Findings());
        Assert.Equal(1, _evidence.Metrics.OperatingChanges);
        Assert.Equal(SignalTrust.Trusted, core.Signals[1].Trust);
    }

    [Fact]
    public void Accept_SeveralSignalsOfALargerAssetJumpTogether_IsAnOperatingChange()
    {
        var core = Core("conveyor1"); // three signals
        var now = WarmUp(core, (0, 1.0), (1, 5), (2, 50));

        Assert.True(Ingest(core, now, (0, 2.0), (1, 10), (2, 50)));

        Assert.Empty(Findings());
        Assert.Equal(1, _evidence.Metrics.OperatingChanges);
    }

    [Fact]
    public void Accept_ThresholdRaisedByVerdicts_DoesNotRaiseThatJump()
    {
        var core = Core("tank1");
        var now = WarmUp(core, (0, 1.0), (1, 40));

        Assert.Null(core.Admit(Message(now, (0, 1.0), (1, 41.5)), now, now.ToUnixTimeMilliseconds()).Refusal);
        Assert.Equal(2, core.Accept(Message(now, (0, 1.0), (1, 41.5)), now, factor: 1, raises: [1, 1000], learn: true, out _));

        Assert.Empty(Findings());
    }

    [Fact]
    public void Accept_EveryValueRefused_RefusesTheMessageForTheFirstAndOneValueAcceptedAcceptsIt()
    {
        var core = Core("tank1");
        var now = Start;

        // Level range [0, 2], fluid temperature [0, 95]: the sender hears the first refusal, and a message some of
        // whose values are kept is accepted (the others are refusals of their own).
        var allRefused = Message(now, (0, 3.5), (1, 400));
        Assert.Null(core.Admit(allRefused, now, now.ToUnixTimeMilliseconds()).Refusal);
        Assert.Equal(0, core.Accept(allRefused, now, factor: 1, raises: null, learn: true, out var refused));
        var partly = Message(now, (0, 3.5), (1, 40));
        Assert.Null(core.Admit(partly, now, now.ToUnixTimeMilliseconds()).Refusal);
        Assert.Equal(1, core.Accept(partly, now, factor: 1, raises: null, learn: true, out var accepted));

        Assert.Equal(ReasonCode.OutOfRange, refused.Refusal);
        Assert.Null(accepted.Refusal);
    }

    [Fact]
    public void CheckStaleness_SignalSilent_RaisesStaleOnceEscalatedByCriticality()
    {
        var core = Core("tank1");
        Assert.True(Ingest(core, Start, (0, 1.0), (1, 40)));

        core.CheckStaleness(Start.AddSeconds(10), StalenessInterval);
        core.CheckStaleness(Start.AddSeconds(20), StalenessInterval);

        var stale = Findings();
        Assert.Equal(2, stale.Count);
        Assert.All(stale, f => Assert.Equal(ReasonCode.Stale, f.Reason));
        Assert.Equal(ReasonCode.Stale.DefaultSeverity() + 1, stale.Single(f => f.SignalId == "level").Severity);
        Assert.Equal(ReasonCode.Stale.DefaultSeverity(), stale.Single(f => f.SignalId == "fluid_temp").Severity);
        Assert.All(core.Signals, s => Assert.Equal(SignalTrust.Suspect, s.Trust));
    }

    [Fact]
    public void CheckStaleness_CheckHeldUpWhileReadingsWaited_CountsSilenceFromTheResumedCheck()
    {
        // tank1's signals come every 250 ms (stale after 1.75 s of silence); checked every second.
        var core = Core("tank1");
        Assert.True(Ingest(core, Start, (0, 1.0), (1, 40)));
        core.CheckStaleness(Start.AddSeconds(0.5), StalenessInterval);

        // This process is held up for 2.5 s: the next check comes 3 s after the last, while the readings sent meanwhile
        // still wait to be taken. It blames nobody; the readings it was waiting for then arrive.
        core.CheckStaleness(Start.AddSeconds(3.5), StalenessInterval);
        Assert.Empty(Findings());
        Assert.True(Ingest(core, Start.AddSeconds(3.51), (0, 1.0)));

        // A signal still silent a threshold after the checks resumed is stale (fluid_temp); the one heard from is not.
        core.CheckStaleness(Start.AddSeconds(4.5), StalenessInterval);
        Assert.Empty(Findings());
        Assert.True(Ingest(core, Start.AddSeconds(5), (0, 1.0)));
        core.CheckStaleness(Start.AddSeconds(5.5), StalenessInterval);
        var stale = Assert.Single(Findings());
        Assert.Equal(("fluid_temp", ReasonCode.Stale), (stale.SignalId, stale.Reason));
    }

    [Fact]
    public void CheckStaleness_ChecksOnTimeAndASilentSignal_RaisesStaleAtTheThreshold()
    {
        var core = Core("tank1");
        Assert.True(Ingest(core, Start, (0, 1.0), (1, 40)));

        core.CheckStaleness(Start.AddSeconds(1), StalenessInterval);
        Assert.Empty(Findings());
        core.CheckStaleness(Start.AddSeconds(2), StalenessInterval);

        Assert.Equal(2, Findings().Count);
    }

    [Fact]
    public void Constructor_StateOfAnotherAsset_Throws() =>
        Assert.Throws<ArgumentException>(() => new TwinCore(_plant, _plant.FindAsset("tank1")!, _evidence, _host,
            new ReadingValidator(_plant.FindAsset("tank1")!, _plant.Validation), new SignalState[3], new SignalDetector[3]));

    private TwinCore Core(string asset) => new(_plant, _plant.FindAsset(asset)!, _evidence, _host);

    private ReadingMessage Message(DateTimeOffset time, params (int Signal, double Value)[] values) =>
        new(Device, ++_sequence, time.ToUnixTimeMilliseconds(), 0, [.. values.Select(v => new SignalValue(v.Signal, v.Value))]);

    /// <summary>One message stamped <paramref name="now"/>, through the core as a twin runs it; false when it was refused.</summary>
    private bool Ingest(TwinCore core, DateTimeOffset now, params (int Signal, double Value)[] values)
    {
        var message = Message(now, values);
        if (core.Admit(message, now, now.ToUnixTimeMilliseconds()).Refusal is not null)
        {
            return false;
        }

        core.Accept(message, now, factor: 1, raises: null, learn: true, out _);
        return true;
    }

    /// <summary>
    /// Past the detectors' warm-up with small changes around each signal's level, one message a second; returns the
    /// next second.
    /// </summary>
    private DateTimeOffset WarmUp(TwinCore core, params (int Signal, double Level)[] signals)
    {
        var random = new Random(7);
        var now = Start;
        for (var i = 0; i < 2 * _plant.Detection.WarmUp; i++, now = now.AddSeconds(1))
        {
            Assert.True(Ingest(core, now, [.. signals.Select(s => (s.Signal, s.Level + ((random.NextDouble() - 0.5) * 0.01)))]));
        }

        Assert.Empty(Findings());
        Assert.All(signals, s => Assert.Equal(SignalTrust.Trusted, core.Signals[s.Signal].Trust));
        return now;
    }

    private List<Finding> Findings()
    {
        var findings = new List<Finding>();
        while (_evidence.Findings.TryRead(out var finding))
        {
            findings.Add(finding);
        }

        return findings;
    }
}
