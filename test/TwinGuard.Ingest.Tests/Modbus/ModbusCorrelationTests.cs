using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Modbus;

/// <summary>The correlation rule the guard feeds: an unexpected write followed by a process anomaly on the same asset.</summary>
public sealed class ModbusCorrelationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);

    private static Finding At(double seconds, ReasonCode reason, string? device = "hmi") =>
        new(T0.AddSeconds(seconds), reason, reason.DefaultSeverity(), "pump1", "speed", device, 1, 0, reason.Name());

    [Fact]
    public void Observe_RefusedWriteThenAnomalyWithinTheWindow_OpensAnIncident()
    {
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));

        Assert.Equal(CorrelationDecision.None, correlator.Observe(At(0, ReasonCode.ForbiddenValue), 1));
        var decision = correlator.Observe(At(20, ReasonCode.StatisticalOutlier, "loop-plc-mb"), 2);

        Assert.Equal(("asset:pump1", "unexpected-write-then-anomaly"), (decision.OpenScope, decision.Rule));
        Assert.Equal([1L, 2L], decision.FindingIds);
    }

    [Fact]
    public void Observe_AnomalyAfterTheWindow_OpensNothing()
    {
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));

        correlator.Observe(At(0, ReasonCode.ForbiddenWrite), 1);

        Assert.Equal(CorrelationDecision.None, correlator.Observe(At(31, ReasonCode.RelationViolated), 2));
    }

    [Fact]
    public void Observe_AllowedWrites_NeverCountTowardsAnIncident()
    {
        var correlator = new IncidentCorrelator(new CorrelationSettings(TimeSpan.FromSeconds(30), 3));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(CorrelationDecision.None, correlator.Observe(At(i, ReasonCode.RegisterWrite), i));
        }

        Assert.Equal(CorrelationDecision.None, correlator.Observe(At(6, ReasonCode.StatisticalOutlier), 10));
    }
}
