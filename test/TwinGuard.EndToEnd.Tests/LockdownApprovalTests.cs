using System.Globalization;
using TwinGuard.Server.Commands;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>High-impact actions wait for an operator (CLI) or the timeout policy; expiries lift containments by themselves.</summary>
public sealed class LockdownApprovalTests
{
    [Fact]
    public async Task Serve_ApprovalsAndExpiry_AreCarriedOutAndRecorded()
    {
        var plan = PlaybookLoader.Parse(
            """
            poll_interval: 100ms
            playbooks:
              - id: tampered-tank
                trigger: { scope: asset, severity: high, reasons: [out_of_range, replayed_sequence] }
                actions:
                  - quarantine: source
                  - disconnect: device
                  - revoke_credentials: device
                    approval: { timeout: 1h, on_timeout: deny }
                  - block_address: source
                    approval: { timeout: 300ms, on_timeout: approve }
                  - quarantine: signals
                    expires: 500ms
            """,
            ServedSite.Plant);
        var dataDir = Directory.CreateTempSubdirectory("twinguard-lockdown-approvals-").FullName;
        await using var site = await ServedSite.StartAsync(dataDirectory: dataDir, plan: plan);
        await using (var tank = LockdownDevice.Start(site.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1"))
        {
            await tank.SendAsync($$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":1,"values":{"level":1.2,"fluid_temp":24.5}}""");
            await LockdownEndToEndTests.AttackAsync(tank);
            await Eventually.HoldsAsync(() => site.Quarantine.IsDeviceQuarantined("tank-gateway"), q => q, TimeSpan.FromSeconds(20), "tank-gateway quarantined");
        }

        using var store = site.OpenResponseStore();

        // The block waited 300 ms, nobody decided, the policy approved it; the address is loopback (the tank connects
        // from this machine), which is never blocked: skipped with the reason, and no address is quarantined.
        var block = await Eventually.HoldsAsync(() => store.Actions().FirstOrDefault(a => a.Action == "block_address: source" && a.Outcome == ActionOutcome.Skipped), a => a is not null, TimeSpan.FromSeconds(10), "the block after its approval timeout");
        Assert.Contains("never blocked: '127.0.0.1' is loopback", block!.Detail, StringComparison.Ordinal);
        Assert.StartsWith("timeout (approval ", block.By, StringComparison.Ordinal);
        Assert.DoesNotContain(store.Quarantines(), q => q.Kind == QuarantineKind.Address);

        // The signal quarantines expired by themselves.
        await Eventually.HoldsAsync(() => store.Quarantines(includeReleased: true).Where(q => q.Kind == QuarantineKind.Signal).ToList(),
            l => l.Count == 2 && l.All(q => q.ReleasedBy == "expiry" && q.Lifted is not null), TimeSpan.FromSeconds(10), "two signal quarantines expired");
        Assert.False(site.Quarantine.IsSignalQuarantined("tank1", "level"));

        // The revocation waits for an operator, who approves it through the CLI.
        var pending = Assert.Single(store.Approvals());
        Assert.Equal("revoke_credentials: device", pending.Action);
        Assert.False(site.Quarantine.AreCredentialsRevoked("tank-gateway"));
        Assert.Equal(0, await TwinGuardCli.RunAsync(["approvals", "approve", Id(pending.Id), "--data-dir", dataDir, "--who", "dave", "--why", "gateway compromised"]));
        await Eventually.HoldsAsync(() => site.Quarantine.AreCredentialsRevoked("tank-gateway"), r => r, TimeSpan.FromSeconds(10), "credentials revoked");
        var revoke = store.Actions().Single(a => a.Action == "revoke_credentials: device" && a.Outcome == ActionOutcome.Done);
        Assert.Equal($"dave (approval {Id(pending.Id)}: gateway compromised)", revoke.By);

        // Releasing the quarantine alone is not enough while the credentials are revoked.
        var source = store.FindActive(QuarantineKind.Source, "tank-gateway")!;
        Assert.True(await site.Engine.ReleaseAsync(source.Id, "dave", "contained"));
        var stillOut = await MosquittoPub.PublishAsync(site.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", $$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":30,"values":{"level":1.2}}""");
        Assert.NotEqual(0, stillOut.ExitCode);
        Assert.Contains("still refused: credentials quarantine", store.Actions().Last(a => a.Outcome == ActionOutcome.Released).Detail, StringComparison.Ordinal);

        Assert.True(await site.Engine.ReleaseAsync(QuarantineKind.Credentials, "tank-gateway", "dave", "new credentials issued"));
        var back = await MosquittoPub.PublishAsync(site.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", $$$"""{"ts":{{{LockdownEndToEndTests.Now()}}},"seq":31,"values":{"level":1.2}}""");
        Assert.Equal(0, back.ExitCode);
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
