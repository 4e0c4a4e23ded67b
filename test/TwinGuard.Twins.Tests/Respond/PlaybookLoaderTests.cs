using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

public sealed class PlaybookLoaderTests
{
    private const string Valid = """
        notifiers:
          - { id: soc, kind: syslog, host: 127.0.0.1, port: 5514, transport: tcp }
        playbooks:
          - id: contain
            trigger: { scope: source, severity: high, reasons: [unauthorised_topic] }
            conditions: { device_known: true }
            actions:
              - quarantine: source
              - disconnect: device
              - revoke_credentials: device
                approval: { timeout: 5m, on_timeout: approve }
              - notify: [soc]
              - report: incident
        """;

    private static string SamplePlaybooks => Path.Combine(Path.GetDirectoryName(SamplePlant.Path)!, "playbooks.yaml");

    [Fact]
    public void Load_SamplePlaybooks_LoadsEveryPlaybook()
    {
        var plan = PlaybookLoader.Load(SamplePlaybooks, SamplePlant.Load());

        Assert.Equal(["contain-flooding-device", "contain-misbehaving-device", "tampered-process-values", "intruder-at-the-broker", "stolen-credentials", "any-critical-finding"], plan.Playbooks.Select(p => p.Id));
        Assert.False(plan.Network.Apply);
    }

    [Fact]
    public void Parse_ValidPlaybook_ReadsTriggerActionsAndApproval()
    {
        var plan = PlaybookLoader.Parse(Valid, SamplePlant.Load());

        var playbook = Assert.Single(plan.Playbooks);
        Assert.Equal(Severity.High, playbook.Trigger.MinSeverity);
        Assert.Equal([ReasonCode.UnauthorisedTopic], playbook.Trigger.Reasons);
        Assert.Equal([ActionKind.QuarantineSource, ActionKind.Disconnect, ActionKind.RevokeCredentials, ActionKind.Notify, ActionKind.Report], playbook.Actions.Select(a => a.Kind));
        Assert.Equal(new ApprovalPolicy(TimeSpan.FromMinutes(5), true), playbook.Actions[2].Approval);
        Assert.True(plan.Notifiers[0].Tcp);
        Assert.Equal(5514, plan.Notifiers[0].Port);
    }

    [Fact]
    public void Parse_RelpTransport_IsAcknowledgedSyslogOnTcpWithRelpsDefaultPort()
    {
        var plan = PlaybookLoader.Parse(Valid.Replace("port: 5514, transport: tcp", "transport: relp", StringComparison.Ordinal), SamplePlant.Load());

        var notifier = plan.Notifiers[0];
        Assert.Equal((true, true, 20514), (notifier.Relp, notifier.Tcp, notifier.Port));
        Assert.Null(notifier.Tls);
        Assert.Equal(NotifierModel.DefaultRelpWindow, notifier.Window);
        Assert.Equal(NotifierModel.DefaultRelpWindow, Assert.IsType<RelpNotifier>(Assert.Single(Notifiers.Create(plan, ".", new HttpClient()))).Window);
        Assert.Equal(1, PlaybookLoader.Parse(Valid, SamplePlant.Load()).Notifiers[0].Window);
        Assert.Equal(16, PlaybookLoader.Parse(Valid.Replace("port: 5514, transport: tcp", "transport: relp, window: 16", StringComparison.Ordinal), SamplePlant.Load()).Notifiers[0].Window);
    }

    [Theory]
    [InlineData("quarantine: source", "quarantine: sauce", "8:21: playbooks[0].actions[0].quarantine: expected source, asset or signals, found 'sauce'")]
    [InlineData("- disconnect: device", "- disconect: device", "9:9: playbooks[0].actions[1].disconect: unknown field; expected one of: quarantine,")]
    [InlineData("notify: [soc]", "notify: [siem]", "12:18: playbooks[0].actions[3].notify[0]: expected the id of a notifier declared under notifiers:, found 'siem'")]
    [InlineData("severity: high", "severity: urgent", "5:41: playbooks[0].trigger.severity: expected one of: info, low, medium, high, critical, found 'urgent'")]
    [InlineData("reasons: [unauthorised_topic]", "reasons: [unauthorized_topic]", "5:57: playbooks[0].trigger.reasons[0]: expected a finding reason")]
    [InlineData("on_timeout: approve", "on_timeout: maybe", "11:46: playbooks[0].actions[2].approval.on_timeout: expected deny or approve, found 'maybe'")]
    [InlineData("      - quarantine: source\n", "", "8:9: playbooks[0].actions[0]: a disconnect alone lets the device reconnect at once")]
    [InlineData("- report: incident", "- report: incident\n        expires: 1h", "14:18: playbooks[0].actions[4].expires: 'report' puts nothing in place that could expire")]
    [InlineData("port: 5514", "port: 70000", "2:53: notifiers[0].port: expected a port in 1..65535, found '70000'")]
    [InlineData("scope: source", "scope: [source", "(syntax)")]
    [InlineData("transport: tcp", "transport: rlep", "2:70: notifiers[0].transport: expected udp, tcp, tls, relp or relp-tls, found 'rlep'")]
    [InlineData("transport: tcp", "transport: relp, window: 1025", "notifiers[0].window: expected a window in 1..1024, found '1025'")]
    [InlineData("transport: tcp", "transport: relp, window: 0", "notifiers[0].window:")]
    [InlineData("transport: tcp", "transport: tcp, window: 8", "notifiers[0].window: 'window' is for the relp and relp-tls transports, not tcp")]
    public void Parse_MalformedPlaybook_IsRefusedWithFileLineAndReason(string from, string to, string expected)
    {
        var yaml = Valid.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Valid, yaml);

        var error = Assert.Throws<PlantModelException>(() => PlaybookLoader.Parse(yaml, SamplePlant.Load(), "site/playbooks.yaml"));

        Assert.StartsWith("site/playbooks.yaml:", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TriggerNamesUnknownAsset_IsRefused()
    {
        var yaml = Valid.Replace("scope: source,", "assets: [pump9],", StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlaybookLoader.Parse(yaml, SamplePlant.Load()));

        Assert.Contains("trigger.assets[0]: expected an asset of the plant model, found 'pump9'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("source:tank-gateway", "tank-gateway", null, Severity.High, ReasonCode.UnauthorisedTopic, true)]
    [InlineData("source:tank-gateway", "tank-gateway", null, Severity.Medium, ReasonCode.UnauthorisedTopic, false)]
    [InlineData("asset:tank1", "tank-gateway", "tank1", Severity.High, ReasonCode.UnauthorisedTopic, false)]
    [InlineData("source:intruder", "intruder", null, Severity.High, ReasonCode.UnauthorisedTopic, false)]
    [InlineData("source:tank-gateway", "tank-gateway", null, Severity.Critical, ReasonCode.Flooding, false)]
    public void Matches_Incident_FollowsTriggerAndConditions(string scope, string device, string? asset, Severity severity, ReasonCode reason, bool expected)
    {
        var plan = PlaybookLoader.Parse(Valid, SamplePlant.Load());
        var incident = new Incident(1, DateTimeOffset.UnixEpoch, scope, asset, device, severity, "t", "3-findings-in-30s", [reason]);

        Assert.Equal(expected, PlaybookMatcher.Matches(plan.Playbooks[0], incident, SamplePlant.Load()));
    }
}
