using System.Net;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Index;
using TwinGuard.Intel.Indicators;
using TwinGuard.Intel.Network;

namespace TwinGuard.Intel.Tests.Correlation;

public sealed class IntelCorrelatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 10, 15, 10, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Bad = IPAddress.Parse("203.0.113.7");

    private readonly FakeTimeProvider _time = new(Start);

    private IntelCorrelator Correlator(params Indicator[] indicators)
    {
        var index = IocIndex.Build(
            indicators.Length > 0 ? indicators : [new Indicator(IndicatorType.IPAddress, "203.0.113.0/24", "cert", "a1") { LastSeen = Start }],
            new IocIndexOptions { TimeProvider = _time });
        return new IntelCorrelator(() => index, new IntelCorrelatorOptions
        {
            TimeProvider = _time,
            Window = TimeSpan.FromMinutes(5),
            ResolveAddress = a => a.Equals(IPAddress.Parse("10.20.0.15")) ? new AssetRef("press-1", "plc-7") : null,
        });
    }

    private static ConnectionEvent Connect(DateTimeOffset time, IPAddress from) =>
        new(time, "mqtt", "client-9", "plc-7", from) { AssetId = "press-1" };

    [Fact]
    public void ObserveConnection_MqttClientFromAddressAFeedNames_IsAFinding()
    {
        var correlator = Correlator();

        var result = correlator.Observe(Connect(Start, Bad));

        var finding = Assert.Single(result.Findings);
        Assert.Equal(IntelSeverity.Medium, finding.Severity);
        Assert.Equal("203.0.113.0/24", finding.Match.Indicator.Value);
        Assert.Equal(MatchKind.Network, finding.Match.Kind);
        Assert.Equal("plc-7", finding.Asset.DeviceId);
        Assert.Contains("mqtt connect from 203.0.113.7 as client 'client-9'", finding.Observation, StringComparison.Ordinal);
        Assert.Empty(result.Incidents);
    }

    [Fact]
    public void ObserveConnection_UnlistedAddress_IsNothing()
    {
        var result = Correlator().Observe(Connect(Start, IPAddress.Parse("192.0.2.1")));

        Assert.Same(CorrelationResult.None, result);
    }

    [Fact]
    public void ObserveAnomaly_WithinWindowOfMatchOnSameDevice_IsHighIncidentOnce()
    {
        var correlator = Correlator();
        correlator.Observe(Connect(Start, Bad));
        _time.Advance(TimeSpan.FromMinutes(4));

        var result = correlator.Observe(new ProcessAnomaly(Start.AddMinutes(4), "press-1", "plc-7", "spindle speed outside the twin's envelope"));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IntelSeverity.High, incident.Severity);
        Assert.Equal(Start.AddMinutes(4), incident.Time);
        Assert.Contains("240 s from anomaly", incident.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void ObserveAnomaly_OutsideWindow_IsNoIncident()
    {
        var correlator = Correlator();
        correlator.Observe(Connect(Start, Bad));
        _time.Advance(TimeSpan.FromMinutes(6));

        var result = correlator.Observe(new ProcessAnomaly(Start.AddMinutes(6), "press-1", "plc-7", "late"));

        Assert.Empty(result.Incidents);
    }

    [Fact]
    public void ObserveConnection_AfterAnomalyOnSameAsset_IsIncident()
    {
        var correlator = Correlator();
        correlator.Observe(new ProcessAnomaly(Start, "press-1", null, "residual"));

        var result = correlator.Observe(Connect(Start.AddMinutes(2), Bad));

        Assert.Single(result.Findings);
        Assert.Equal("press-1", Assert.Single(result.Incidents).Anomaly.AssetId);
    }

    [Fact]
    public void ObserveAnomaly_OtherAsset_IsNoIncident()
    {
        var correlator = Correlator();
        correlator.Observe(Connect(Start, Bad));

        var result = correlator.Observe(new ProcessAnomaly(Start.AddMinutes(1), "mixer-2", "plc-9", "x"));

        Assert.Empty(result.Incidents);
    }

    [Fact]
    public void ObserveNetworkEvent_AlertToListedAddress_IsHighFindingOnResolvedAsset()
    {
        var correlator = Correlator();
        var alert = new NetworkEvent(Start, "suricata", NetworkEventKind.Alert, IPAddress.Parse("10.20.0.15"), 49152, Bad, 502, "tcp")
        {
            Signature = "modbus write from outside",
        };

        var finding = Assert.Single(correlator.Observe(alert).Findings);

        Assert.Equal(IntelSeverity.High, finding.Severity);
        Assert.Equal(new AssetRef("press-1", "plc-7"), finding.Asset);
        Assert.Contains("(destination matched)", finding.Observation, StringComparison.Ordinal);
        Assert.Single(correlator.Observe(new ProcessAnomaly(Start.AddSeconds(30), "press-1", null, "x")).Incidents);
    }

    [Fact]
    public void ObserveConnection_IncompleteIndicator_IsLowAndNeverAnIncident()
    {
        var correlator = Correlator(new Indicator(IndicatorType.IPAddress, "203.0.113.7", "stix", "indicator--x")
        {
            LastSeen = Start,
            AlsoRequires = ["network-traffic:dst_port = 502"],
        });
        var finding = Assert.Single(correlator.Observe(Connect(Start, Bad)).Findings);

        Assert.Equal(IntelSeverity.Low, finding.Severity);
        Assert.Empty(correlator.Observe(new ProcessAnomaly(Start, "press-1", "plc-7", "x")).Incidents);
    }

    [Fact]
    public void Sightings_MatchesAndQuarantines_AreRecorded()
    {
        var correlator = Correlator();
        correlator.Observe(Connect(Start, Bad));
        correlator.Observe(Connect(Start.AddMinutes(1), Bad));
        correlator.RecordQuarantine(IPAddress.Parse("::ffff:10.20.0.99"), "plc-8", Start.AddMinutes(2));

        var sightings = correlator.Sightings;

        Assert.Equal(2, sightings.Count);
        Assert.Equal(2, sightings[0].Count);
        Assert.Equal(Start.AddMinutes(1), sightings[0].LastSeen);
        Assert.Equal("10.20.0.99", sightings[1].Atom.Value);
        Assert.Contains("quarantined device 'plc-8'", sightings[1].Note, StringComparison.Ordinal);
    }

    [Fact]
    public void SensitivityFactor_FeedNamesAssetKind_RaisesItAndDecays()
    {
        var correlator = Correlator(new Indicator(IndicatorType.Domain, "evil.example", "cert", "a1")
        {
            LastSeen = Start,
            Targets = ["kind:plc", "tag:line-3"],
        });

        Assert.Equal(2.0, correlator.SensitivityFactor("press-1", "plc"), 6);
        Assert.Equal(2.0, correlator.SensitivityFactor("press-1", "drive", ["line-3"]), 6);
        Assert.Equal(1.0, correlator.SensitivityFactor("press-1", "drive", ["line-4"]), 6);
        _time.Advance(TimeSpan.FromDays(90)); // one default half-life of a domain
        Assert.Equal(1.5, correlator.SensitivityFactor("press-1", "plc"), 6);
    }
}
