using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Correlate;

public sealed class IncidentCorrelatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    private static Finding At(double seconds, string asset = "tank1", Severity severity = Severity.Medium, ReasonCode reason = ReasonCode.OutOfRange) =>
        new(T0.AddSeconds(seconds), reason, severity, asset, "level", "tank-gateway", 9, 0, "test");

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

        Assert.Equal("asset:tank1", correlator.Close(42));
        Assert.Null(correlator.Close(42));

        Assert.Null(correlator.Observe(At(5), 2).JoinIncidentId);
        var again = correlator.Observe(At(6, severity: Severity.Critical), 3);
        Assert.Equal("asset:tank1", again.OpenScope);
        Assert.Equal([2L, 3L], again.FindingIds);
    }

    [Fact]
    public void ScopeOf_SourceFinding_IsTheDevice() =>
        Assert.Equal("source:tank-gateway", IncidentCorrelator.ScopeOf(At(0, reason: ReasonCode.UnauthorisedTopic)));
}
