using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Commands;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// Containment against real clients: a <c>mosquitto_pub</c> device that starts sending attack data is cut off and kept
/// out until an operator releases it (through the CLI, as in production), while another device keeps flowing.
/// </summary>
public sealed class LockdownEndToEndTests
{
    private const string TankTopic = "plant/tank1";

    internal static string Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    internal static ResponsePlan Plan(string extraNotifiers = "", string extraActions = "") => PlaybookLoader.Parse(
        $"""
        poll_interval: 100ms
        notifiers:
          - {"{"} id: ecs, kind: ecs_file, path: alerts/ecs.ndjson {"}"}
        {extraNotifiers}
        playbooks:
          - id: tampered-tank
            trigger:
              scope: asset
              severity: high
              reasons: [out_of_range, replayed_sequence]
            actions:
              - quarantine: source
              - disconnect: device
              - notify: [ecs]
        {extraActions}
              - report: incident
        """,
        ServedSite.Plant);

    /// <summary>Three distinct findings on tank1 (two signals out of range, one replay): an incident in scope asset:tank1.</summary>
    internal static async Task AttackAsync(LockdownDevice device)
    {
        await device.SendAsync($$$"""{"ts":{{{Now()}}},"seq":2,"values":{"level":9.5}}""");
        await device.SendAsync($$$"""{"ts":{{{Now()}}},"seq":3,"values":{"fluid_temp":500}}""");
        await device.SendAsync($$$"""{"ts":{{{Now()}}},"seq":1,"values":{"level":1.1}}""");
    }

    [Fact]
    public async Task Serve_DeviceSendsAttackData_IsCutOffAndRefusedUntilReleased()
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-lockdown-").FullName;
        await using var site = await ServedSite.StartAsync(dataDirectory: dataDir, plan: Plan());
        var port = site.MqttPort;

        await using var tank = LockdownDevice.Start(port, "tank-gateway", "demo-tank-gateway", TankTopic);
        Assert.True(await tank.SendAsync($$$"""{"ts":{{{Now()}}},"seq":1,"values":{"level":1.2,"fluid_temp":24.5}}"""));
        await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted, n => n >= 2, TimeSpan.FromSeconds(20), "the tank's first good reading");

        await AttackAsync(tank);

        // Cut off: the quarantine is in force and the device's connection is gone.
        await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("tank-gateway"), q => q, TimeSpan.FromSeconds(20), "tank-gateway quarantined");
        await Eventually.HoldsAsync(() => Connections(site, "tank-gateway"), n => n == 0, TimeSpan.FromSeconds(10), "tank-gateway disconnected");

        // It cannot come back: a fresh connection is refused at CONNECT.
        var retry = await MosquittoPub.PublishAsync(port, "tank-gateway", "demo-tank-gateway", TankTopic, $$$"""{"ts":{{{Now()}}},"seq":10,"values":{"level":1.2}}""");
        Assert.NotEqual(0, retry.ExitCode);
        Assert.Contains("not authori", retry.Error, StringComparison.OrdinalIgnoreCase);

        // Another device keeps flowing the whole time.
        var before = site.Metrics.ReadingsAccepted;
        var other = await MosquittoPub.PublishAsync(port, "vibration-node", "demo-vibration-node", "plant/pump1/vibration", $$$"""{"ts":{{{Now()}}},"seq":1,"value":0.21}""");
        Assert.Equal(0, other.ExitCode);
        await Eventually.HoldsAsync(() => site.Metrics.ReadingsAccepted, n => n > before, TimeSpan.FromSeconds(10), "the vibration node's reading");

        // Recorded: the quarantine with its incident, the actions, the report.
        using var store = site.OpenResponseStore();
        var entry = Assert.Single(store.Quarantines(), q => q.Kind == QuarantineKind.Source);
        Assert.Equal("tank-gateway", entry.Target);
        Assert.NotNull(entry.IncidentId);
        await Eventually.HoldsAsync(() => store.Actions(entry.IncidentId).Count, n => n >= 4, TimeSpan.FromSeconds(10), "four recorded actions");
        var actions = store.Actions(entry.IncidentId);
        Assert.Equal(ActionOutcome.Done, actions.Single(a => a.Action == "quarantine: source").Outcome);
        Assert.Contains("1 connection(s) dropped", actions.Single(a => a.Action == "disconnect: device").Detail, StringComparison.Ordinal);
        Assert.All(actions, a => Assert.Equal("playbook:tampered-tank", a.By));
        var report = await File.ReadAllTextAsync(Path.Combine(dataDir, "reports", $"incident-{entry.IncidentId}.md"));
        Assert.Contains($"twinguard quarantine release {entry.Id} --who", report, StringComparison.Ordinal);
        Assert.Contains("out_of_range", report, StringComparison.Ordinal);
        // The report cites the ledger entries behind it (issue 5), and the incident's entry is that incident.
        var cited = System.Text.RegularExpressions.Regex.Match(report, @"The incident is ledger entry (\d+)");
        Assert.True(cited.Success, "the report does not cite its ledger entry");
        using (var plantStore = site.OpenStore())
        {
            Assert.Equal(long.Parse(cited.Groups[1].Value, CultureInfo.InvariantCulture), plantStore.Incidents().Single(i => i.Id == entry.IncidentId).LedgerEntry);
        }

        // The operator releases it through the CLI; serve lifts it on its next poll and the device is back.
        var code = await TwinGuardCli.RunAsync(["quarantine", "release", entry.Id.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDir, "--who", "alice", "--why", "sensor replaced"]);
        Assert.Equal(0, code);
        await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("tank-gateway"), q => !q, TimeSpan.FromSeconds(10), "tank-gateway released");
        var back = await MosquittoPub.PublishAsync(port, "tank-gateway", "demo-tank-gateway", TankTopic, $$$"""{"ts":{{{Now()}}},"seq":20,"values":{"level":1.2}}""");
        Assert.Equal(0, back.ExitCode);

        var release = await Eventually.HoldsAsync(() => store.Actions(entry.IncidentId).SingleOrDefault(a => a.Outcome == ActionOutcome.Released), r => r is not null, TimeSpan.FromSeconds(10), "the release record");
        Assert.Equal("alice", release!.By);
        Assert.Contains("sensor replaced", release.Detail, StringComparison.Ordinal);
        Assert.Equal("alice", store.FindQuarantine(entry.Id)!.ReleasedBy);
        var releasedReport = await File.ReadAllTextAsync(Path.Combine(dataDir, "reports", $"incident-{entry.IncidentId}.md"));
        Assert.Contains($"quarantine {entry.Id} (source `tank-gateway`) released by alice: sensor replaced", releasedReport, StringComparison.Ordinal);
        Assert.NotNull(store.FindQuarantine(entry.Id)!.Lifted);
        Assert.True(site.Metrics.RefusalsOf(ReasonCode.Quarantined) >= 1);

        // The release closed the incident: the same attack again, well inside the correlation window, is a new incident
        // and the device is cut off again (not folded into the released one, where no playbook would run).
        await using var again = LockdownDevice.Start(port, "tank-gateway", "demo-tank-gateway", TankTopic);
        await again.SendAsync($$$"""{"ts":{{{Now()}}},"seq":21,"values":{"level":9.5}}""");
        await again.SendAsync($$$"""{"ts":{{{Now()}}},"seq":22,"values":{"fluid_temp":500}}""");
        await again.SendAsync($$$"""{"ts":{{{Now()}}},"seq":5,"values":{"level":1.1}}""");
        await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("tank-gateway"), q => q, TimeSpan.FromSeconds(20), "tank-gateway quarantined again");
        // Containment goes first and is stored right after (ContainmentEnforcer, then the engine's Persist): wait for the
        // stored entry too, not only the gate's list.
        var second = await Eventually.HoldsAsync(() => store.Quarantines().SingleOrDefault(q => q.Kind == QuarantineKind.Source), q => q is not null, TimeSpan.FromSeconds(10), "the second quarantine stored");
        Assert.NotEqual(entry.IncidentId, second!.IncidentId);
        using var findings = site.OpenStore();
        Assert.Equal("released", findings.Incidents().Single(i => i.Id == entry.IncidentId).Status);
    }

    [Fact]
    public async Task Serve_RestartWithActiveQuarantine_KeepsTheDeviceOut()
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-lockdown-restart-").FullName;
        long quarantineId;
        await using (var first = await ServedSite.StartAsync(dataDirectory: dataDir, plan: Plan()))
        {
            var entry = await first.Engine.QuarantineAsync(QuarantineKind.Source, "conveyor-plc", "bob", "suspected compromise");
            quarantineId = entry.Id;
            var refused = await MosquittoPub.PublishAsync(first.MqttPort, "conveyor-plc", "demo-conveyor-plc", "plant/conveyor1", $$$"""{"ts":{{{Now()}}},"seq":1,"values":{"belt_speed":1.0}}""");
            Assert.NotEqual(0, refused.ExitCode);
        }

        await using var second = await ServedSite.StartAsync(dataDirectory: dataDir, plan: Plan());
        Assert.True(second.Quarantine.IsDeviceQuarantined("conveyor-plc"));
        var stillRefused = await MosquittoPub.PublishAsync(second.MqttPort, "conveyor-plc", "demo-conveyor-plc", "plant/conveyor1", $$$"""{"ts":{{{Now()}}},"seq":2,"values":{"belt_speed":1.0}}""");
        Assert.NotEqual(0, stillRefused.ExitCode);

        Assert.True(await second.Engine.ReleaseAsync(quarantineId, "bob", "PLC reflashed"));
        var accepted = await MosquittoPub.PublishAsync(second.MqttPort, "conveyor-plc", "demo-conveyor-plc", "plant/conveyor1", $$$"""{"ts":{{{Now()}}},"seq":3,"values":{"belt_speed":1.0}}""");
        Assert.Equal(0, accepted.ExitCode);
    }

    [Fact]
    public async Task Cli_QuarantineAddWhileServing_IsPutInForceAndExpires()
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-lockdown-add-").FullName;
        await using var site = await ServedSite.StartAsync(dataDirectory: dataDir, plan: Plan());

        var code = await TwinGuardCli.RunAsync(["quarantine", "add", "--kind", "source", "--target", "conveyor-plc", "--who", "erin", "--why", "firmware check", "--expires", "10s", "--data-dir", dataDir]);

        Assert.Equal(0, code);
        await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("conveyor-plc"), q => q, TimeSpan.FromSeconds(10), "conveyor-plc quarantined by the CLI");
        // Ten seconds of quarantine: with two, a loaded runner started mosquitto_pub after it had expired.
        var refused = await MosquittoPub.PublishAsync(site.MqttPort, "conveyor-plc", "demo-conveyor-plc", "plant/conveyor1", $$$"""{"ts":{{{Now()}}},"seq":1,"values":{"belt_speed":1.0}}""");
        Assert.NotEqual(0, refused.ExitCode);

        await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("conveyor-plc"), q => !q, TimeSpan.FromSeconds(60), "the quarantine expiring");
        using var store = site.OpenResponseStore();
        var entry = Assert.Single(store.Quarantines(includeReleased: true));
        Assert.Equal(("erin", "expiry"), (entry.By, entry.ReleasedBy));
        var accepted = await MosquittoPub.PublishAsync(site.MqttPort, "conveyor-plc", "demo-conveyor-plc", "plant/conveyor1", $$$"""{"ts":{{{Now()}}},"seq":2,"values":{"belt_speed":1.0}}""");
        Assert.Equal(0, accepted.ExitCode);
    }

    [Fact]
    public async Task Cli_MalformedPlaybookFile_IsRefusedWithUsageErrorAndNothingStarts()
    {
        var dir = Directory.CreateTempSubdirectory("twinguard-lockdown-cli-").FullName;
        var file = Path.Combine(dir, "playbooks.yaml");
        var sample = await File.ReadAllTextAsync(Path.Combine(ServedSite.RepositoryRoot(), "samples", "playbooks.yaml"));
        await File.WriteAllTextAsync(file, sample.Replace("      - quarantine: signals", "      - quarantine: sensors", StringComparison.Ordinal));

        var error = Assert.Throws<TwinGuard.Twins.Plant.PlantModelException>(() => PlaybookCommand.LoadPlan(new FileInfo(file), new FileInfo(ServedSite.SamplePlantPath), ServedSite.Plant));
        var code = await TwinGuardCli.RunAsync(["playbook", "check", file, "--config", ServedSite.SamplePlantPath]);

        Assert.Equal(TwinGuardCli.UsageError, code);
        Assert.StartsWith($"{file}:", error.Message, StringComparison.Ordinal);
        Assert.Contains("playbooks[2].actions[0].quarantine: expected source, asset or signals, found 'sensors'", error.Message, StringComparison.Ordinal);
    }

    private static int Connections(ServedSite site, string device) =>
        site.App.Services.GetRequiredService<Ingest.Mqtt.EmbeddedBroker>().EndpointsOfAsync(device, CancellationToken.None).GetAwaiter().GetResult().Count;
}
