using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Correlate;

public sealed class IncidentCorrelatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    private static Finding At(double seconds, string asset = "tank1", Severity severity = Severity.Medium, ReasonCode reason = ReasonCode.OutOfRange, string device = "tank-gateway") =>
        new(T0.AddSeconds(seconds), reason, severity, asset, "level", device, 9, 0, "test");

    private static IncidentCorrelator NewCorrelator() => new(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));

    private static Incident OpenedFrom(CorrelationDecision decision, long id) =>
        new(id, decision.Trigger!.Time, decision.OpenScope!, decision.Trigger.AssetId, decision.DeviceId, decision.Severity, "test", decision.Rule!, decision.Reasons);

    [Fact]
    public void Observe_OpeningOverMixedFindings_CarriesTheHighestSeverityAndEveryReasonOfItsMembers()
    {
        var correlator = NewCorrelator();
        correlator.Observe(At(0, reason: ReasonCode.RelationViolated, severity: Severity.High), 1);
        correlator.Observe(At(1, reason: ReasonCode.PersistentShift, device: "loop-plc"), 2);

        var decision = correlator.Observe(At(2, reason: ReasonCode.MultivariateAnomaly, device: "loop-plc"), 3);

        Assert.Equal(Severity.High, decision.Severity);
        Assert.Equal([ReasonCode.RelationViolated, ReasonCode.PersistentShift, ReasonCode.MultivariateAnomaly], decision.Reasons);
        Assert.Equal("loop-plc", decision.DeviceId);
    }

    [Fact]
    public void Observe_JoiningFindingRaisesSeverityOrAddsReason_ReturnsTheEscalatedIncident()
    {
        var correlator = NewCorrelator();
        correlator.Observe(At(0, reason: ReasonCode.RelationViolated), 1);
        correlator.Observe(At(1, reason: ReasonCode.RelationViolated), 2);
        var open = correlator.Observe(At(2, reason: ReasonCode.RelationViolated), 3);
        correlator.Opened(OpenedFrom(open, 7));

        var same = correlator.Observe(At(3, reason: ReasonCode.RelationViolated), 4);
        var higher = correlator.Observe(At(4, reason: ReasonCode.RelationViolated, severity: Severity.High), 5);
        var newReason = correlator.Observe(At(5, reason: ReasonCode.PersistentShift, severity: Severity.Low), 6);
        var nothingNew = correlator.Observe(At(6, reason: ReasonCode.PersistentShift, severity: Severity.High), 7);

        Assert.Equal((7L, null), (same.JoinIncidentId, same.Escalated));
        Assert.Equal((7L, Severity.High), (higher.JoinIncidentId, higher.Escalated!.Severity));
        Assert.Equal([ReasonCode.RelationViolated], higher.Escalated.Reasons);
        Assert.Equal(Severity.High, newReason.Escalated!.Severity);
        Assert.Equal([ReasonCode.RelationViolated, ReasonCode.PersistentShift], newReason.Escalated.Reasons);
        Assert.Equal(7L, nothingNew.JoinIncidentId);
        Assert.Null(nothingNew.Escalated);
    }

    [Fact]
    public void Observe_RefusalOfTheQuarantinedSourceJoins_DoesNotEscalate()
    {
        var correlator = NewCorrelator();
        var open = correlator.Observe(At(0, asset: "pump1", reason: ReasonCode.Flooding, severity: Severity.High, device: "vibration-node") with { Occurrences = 5 }, 1);
        correlator.Opened(OpenedFrom(open, 3));

        var refused = correlator.Observe(At(1, asset: "pump1", reason: ReasonCode.Quarantined, severity: Severity.Critical, device: "vibration-node"), 2);

        Assert.Equal(3L, refused.JoinIncidentId);
        Assert.Null(refused.Escalated);
    }

    [Fact]
    public void Observe_RepeatsOfOneFindingOverTheWindow_OpenAnIncidentOverThatFindingOnce()
    {
        var correlator = NewCorrelator();

        Assert.Null(correlator.Observe(At(0, reason: ReasonCode.RelationViolated, severity: Severity.High), 1).OpenScope);
        Assert.Null(correlator.Observe(At(10, reason: ReasonCode.RelationViolated, severity: Severity.High), 1).OpenScope);
        var decision = correlator.Observe(At(20, reason: ReasonCode.RelationViolated, severity: Severity.High), 1);

        Assert.Equal("asset:tank1", decision.OpenScope);
        Assert.Equal([1L], decision.FindingIds);
    }

    [Fact]
    public void Observe_HighSeveritySourceFindingWithManyOccurrences_OpensAtOnce()
    {
        var correlator = NewCorrelator();
        var flood = At(0, asset: "pump1", reason: ReasonCode.Flooding, severity: Severity.High, device: "vibration-node") with { Occurrences = 40 };

        var decision = correlator.Observe(flood, 1);

        Assert.Equal("source:vibration-node", decision.OpenScope);
        Assert.Equal([ReasonCode.Flooding], decision.Reasons);
    }

    [Fact]
    public void Observe_RefusalsOfAQuarantinedSource_DoNotCountEachOccurrence()
    {
        var correlator = NewCorrelator();
        var refused = At(0, reason: ReasonCode.Quarantined, severity: Severity.High, device: "loop-plc") with { Occurrences = 40 };

        Assert.False(IncidentCorrelator.CountsEachOccurrence(refused));
        Assert.Null(correlator.Observe(refused, 1).OpenScope);
    }

    [Fact]
    public void Observe_RefusalsOfQuarantinedSignals_NeverOpenAnIncident()
    {
        var correlator = NewCorrelator();

        var decisions = new[] { "flow", "speed", "pressure", "motor_temp" }
            .Select((signal, i) => correlator.Observe(At(i, asset: "pump1", reason: ReasonCode.Quarantined, severity: Severity.Low, device: "loop-plc") with { SignalId = signal }, i))
            .ToList();

        Assert.All(decisions, d => Assert.Same(CorrelationDecision.None, d));
    }

    [Fact]
    public void CountsEachOccurrence_ProcessFindingOrLowSeveritySourceFinding_IsFalse()
    {
        Assert.False(IncidentCorrelator.CountsEachOccurrence(At(0, reason: ReasonCode.RelationViolated, severity: Severity.Critical)));
        Assert.False(IncidentCorrelator.CountsEachOccurrence(At(0, reason: ReasonCode.UnknownSignal, severity: Severity.Low)));
        Assert.True(IncidentCorrelator.CountsEachOccurrence(At(0, reason: ReasonCode.UnknownSource, severity: Severity.High)));
    }

    [Fact]
    public void Observe_ThreeFindingsWithinWindow_OpensIncidentOverAllThree()
    {
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));

        Assert.Same(CorrelationDecision.None, correlator.Observe(At(0), 1));
        Assert.Same(CorrelationDecision.None, correlator.Observe(At(10), 2));
        var decision = correlator.Observe(At(20), 3);

        Assert.Equal("asset:tank1", decision.OpenScope);
        Assert.Equal([1L, 2L, 3L], decision.FindingIds);
    }

    [Fact]
    public void Observe_FindingsSpreadBeyondWindow_OpenNothing()
    {
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));

        Assert.All(new[] { 0.0, 31, 62, 93 }.Select((t, i) => correlator.Observe(At(t), i)), d => Assert.Null(d.OpenScope));
    }

    [Fact]
    public void Observe_CriticalFinding_OpensAtOnce_AndLaterFindingsJoin()
    {
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));

        var open = correlator.Observe(At(0, severity: Severity.Critical), 1);
        Assert.Equal("asset:tank1", open.OpenScope);
        correlator.Opened(open.OpenScope!, 42, T0);

        Assert.Equal(42, correlator.Observe(At(5), 2).JoinIncidentId);
        Assert.Null(correlator.Observe(At(5, asset: "pump1"), 3).JoinIncidentId);
        Assert.Null(correlator.Observe(At(100), 4).JoinIncidentId);
    }

    [Fact]
    public void Close_OpenIncident_NextFindingsOpenANewOneWithinTheWindow()
    {
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));
        var open = correlator.Observe(At(0, severity: Severity.Critical), 1);
        correlator.Opened(open.OpenScope!, 42, T0);

        Assert.Equal(["asset:tank1"], correlator.Close(42));
        Assert.Empty(correlator.Close(42));

        Assert.Null(correlator.Observe(At(5), 2).JoinIncidentId);
        var again = correlator.Observe(At(6, severity: Severity.Critical), 3);
        Assert.Equal("asset:tank1", again.OpenScope);
        Assert.Equal([2L, 3L], again.FindingIds);
    }

    [Fact]
    public void ScopeOf_SourceFinding_IsTheDevice() =>
        Assert.Equal("source:tank-gateway", IncidentCorrelator.ScopeOf(At(0, reason: ReasonCode.UnauthorisedTopic)));

    [Fact]
    public void Observe_IdsAlertThenProcessAnomalyOnTheAsset_OpensOneIncidentAtOnce()
    {
        var correlator = NewCorrelator();
        var alert = correlator.Observe(At(0, asset: "pump1", reason: ReasonCode.IdsAlert, severity: Severity.Low, device: "loop-plc"), 1);

        var anomaly = correlator.Observe(At(20, asset: "pump1", reason: ReasonCode.RelationViolated, device: "loop-plc"), 2);

        Assert.Null(alert.OpenScope);
        Assert.Equal(("asset:pump1", "network-alert-then-anomaly"), (anomaly.OpenScope, anomaly.Rule));
        Assert.Equal([1L, 2L], anomaly.FindingIds);
    }

    [Fact]
    public void Observe_IdsAlertLongBeforeTheAnomaly_OpensNothing()
    {
        var correlator = NewCorrelator();
        correlator.Observe(At(0, asset: "pump1", reason: ReasonCode.IdsAlert, severity: Severity.Low, device: "loop-plc"), 1);

        var anomaly = correlator.Observe(At(31, asset: "pump1", reason: ReasonCode.RelationViolated, device: "loop-plc"), 2);

        Assert.Null(anomaly.OpenScope);
    }

    [Fact]
    public void Observe_SequenceRuleFromThePlantModel_OpensWithItsName()
    {
        var rule = new SequenceRule("stale-then-spoof", new([ReasonCode.Stale], [], ["tank1"]), new([], ["T0856"], []), TimeSpan.FromMinutes(2));
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3) { Sequences = [rule] });
        correlator.Observe(At(0, reason: ReasonCode.Stale, severity: Severity.Low), 1);

        var spoof = correlator.Observe(At(90, reason: ReasonCode.OutOfRange, severity: Severity.Low), 2);

        Assert.Equal(("asset:tank1", "stale-then-spoof"), (spoof.OpenScope, spoof.Rule));
    }

    [Fact]
    public void Observe_OneUseOfAValidCredentialFromAnUnlistedAddress_OpensAnIncidentAtOnce()
    {
        var correlator = NewCorrelator();

        var decision = correlator.Observe(
            new Finding(T0, ReasonCode.UnexpectedAddress, Severity.High, null, null, "loop-plc", null, 0, "valid credentials of loop-plc from 127.0.0.2") { RemoteAddress = "127.0.0.2" }, 1);

        Assert.Equal(("source:loop-plc", "stolen-credentials"), (decision.OpenScope, decision.Rule));
        Assert.Equal(Severity.High, decision.Severity);
    }
}
