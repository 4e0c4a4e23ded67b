using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Verification;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Hosting;
using TwinGuard.Testing;
using TwinGuard.Twins.Edge;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Twin;

namespace TwinGuard.EndToEnd.Tests.Edge;

/// <summary>
/// The Native AOT edge agent as a real process between a device (mosquitto_pub) and a served site, over mqtts through a
/// link the test cuts: the edge goes on detecting and containing alone, and once the link returns the site holds every
/// reading the edge accepted exactly once, the edge's findings and containment, and cosigns the edge's checkpoints.
/// </summary>
public sealed class EdgeEndToEndTests
{
    private const string Device = "tank-gateway";
    private const string Password = "demo-tank-gateway";

    /// <summary>The cut CI runs: about 11 s (40 readings at 4 Hz, then the replays), long enough for the edge to notice.</summary>
    [Fact]
    public Task Edge_LinkCutDuringReplayAttack_ContainsAloneThenSiteHoldsEveryReadingOnce() =>
        LinkCutAsync(TimeSpan.FromSeconds(10));

    /// <summary>The cut the issue names: 60 s (240 readings at 4 Hz, then the replays); run with <c>TWINGUARD_LONG_TESTS=1</c>.</summary>
    [LongRunFact]
    public Task Edge_LinkCut60sDuringReplayAttack_ContainsAloneThenSiteHoldsEveryReadingOnce() =>
        LinkCutAsync(TimeSpan.FromSeconds(60));

    /// <summary>
    /// Replays on an asset whose stale signals have already opened an incident escalate that incident instead of opening
    /// one: the edge answers the escalation with the playbooks that match now. It used to answer only the incidents it
    /// opened, and left such a replay uncontained (the link-cut test's flake: under load the device's readings came late
    /// enough for tank1's signals to be reported stale before the replays).
    /// </summary>
    [Fact]
    public async Task Edge_ReplaysEscalateAnIncidentOfStaleSignals_QuarantinesTheDevice()
    {
        await using var site = await EdgeSiteFixture.StartAsync();
        var devicePort = 0;
        await using var edge = await EdgeProcess.StartAsync(() => site.EdgeArguments(devicePort = LoopbackPorts.Free(), site.MqttsPort));
        await edge.LineAsync(l => l.Contains("linked to site", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the edge to link to the site");

        var random = new Random(11);
        long sequence = 0;
        await using var device = new DeviceStream(devicePort, Device, Password, "plant/tank1");
        int Stale() => site.Edges.Messages("edge1", "finding").Count(m => m.Finding!.Reason == "stale");

        // Two silences longer than the staleness bound (three periods and a second), each reported for both of tank1's
        // signals: four stale findings within the correlation window open an incident about the asset.
        for (var silence = 1; silence <= 2; silence++)
        {
            for (var i = 0; i < 4; i++)
            {
                await device.PublishAsync(++sequence, 1.0 + (random.NextDouble() * 0.01), 40 + (random.NextDouble() * 0.1));
            }

            if (silence == 1)
            {
                await Eventually.HoldsAsync(Stale, n => n >= 2, TimeSpan.FromSeconds(60), "2 stale findings of tank1 at the site");
            }
        }

        // The second silence is waited for at the edge itself, not at the site: the replays must come within the correlation
        // window (30 s) of the incident's last finding, and the findings' way to the site is no part of that.
        await edge.LineAsync(l => l.Contains("stale on asset:tank1", StringComparison.Ordinal) && l.Contains("incident", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the edge's incident of tank1's stale signals");
        for (var replay = 0; replay < 3; replay++)
        {
            await device.PublishAsync(sequence - 2, 1.0, 40);
        }

        await edge.LineAsync(l => l.Contains($"quarantine device {Device} by edge: Done", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            "the edge to quarantine the replaying device");
        Assert.Contains(edge.Lines, l => l.Contains("escalated", StringComparison.Ordinal) && l.Contains("replayed_sequence on asset:tank1", StringComparison.Ordinal));
        await Eventually.HoldsAsync(Stale, n => n >= 4, TimeSpan.FromSeconds(60), "both silences' stale findings of tank1 at the site");
    }

    private static async Task LinkCutAsync(TimeSpan cut)
    {
        await using var site = await EdgeSiteFixture.StartAsync();
        await using var link = new CuttableLink(new IPEndPoint(IPAddress.Loopback, site.MqttsPort));
        var devicePort = 0;
        await using var edge = await EdgeProcess.StartAsync(() => site.EdgeArguments(devicePort = LoopbackPorts.Free(), link.Port));
        await edge.LineAsync(l => l.Contains("linked to site", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the edge to link to the site");

        var random = new Random(7);
        long sequence = 0;
        await using (var device = new DeviceStream(devicePort, Device, Password, "plant/tank1"))
        {
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(250)); // the device's declared period
            async Task PublishAsync(int count)
            {
                for (var i = 0; i < count && await pace.WaitForNextTickAsync(); i++)
                {
                    await device.PublishAsync(++sequence, 1.0 + (random.NextDouble() * 0.01), 40 + (random.NextDouble() * 0.1));
                }
            }

            // Link up: readings reach the site as they are accepted.
            await PublishAsync(16);
            await Eventually.HoldsAsync(() => site.Edges.Count("edge1", "reading"), n => n >= 8, TimeSpan.FromSeconds(30), "readings at the site while linked");

            // Link cut: the edge keeps accepting, detecting and recording.
            link.Cut();
            await edge.LineAsync(l => l.Contains("retrying", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the edge to notice the cut");
            await PublishAsync((int)(cut.TotalMilliseconds / 250));

            // Replays while cut off: three refusals open an incident at the edge, and the site's playbook
            // (contain-misbehaving-device) quarantines the device there, with no site to ask.
            for (var replay = 0; replay < 3; replay++)
            {
                await device.PublishAsync(sequence - 10, 1.0, 40);
            }

            await edge.LineAsync(l => l.Contains($"quarantine device {Device} by edge: Done", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
                "the edge to quarantine the device on its own");
        }

        // A containment the site decides while the edge is cut off reaches it when the link returns.
        await site.Engine.QuarantineAsync(QuarantineKind.Source, "conveyor-plc", "operator", "decided while the edge was cut off");

        var (refusedCode, _) = await MosquittoPub.PublishAsync(devicePort, Device, Password, "plant/tank1", """{"ts": 1, "seq": 999, "value": 1}""");
        Assert.NotEqual(0, refusedCode); // the edge's broker now refuses the device's connections
        Assert.Equal(0, site.Edges.Count("edge1", "containment")); // nothing crossed the cut link

        // Link back: everything the edge kept arrives, each once.
        link.Restore();
        var accepted = sequence; // every reading before the replays was accepted; the replays were refused
        await Eventually.HoldsAsync(() => site.Edges.Count("edge1", "reading"), n => n >= accepted, TimeSpan.FromSeconds(60), "every accepted reading at the site");
        await Eventually.HoldsAsync(() => site.Edges.Count("edge1", "containment"), n => n >= 1, TimeSpan.FromSeconds(30), "the edge's containment at the site");
        var readings = site.Edges.Messages("edge1", "reading").Select(m => m.Reading!).ToList();
        Assert.Equal(accepted, readings.Count);
        Assert.Equal(Enumerable.Range(1, (int)accepted).Select(i => (long)i), readings.Select(r => r.Sequence).Order());
        Assert.All(readings, r => Assert.Equal(Device, r.Device));

        // Each reading went on into the site's twin once, and the twin accepted both of its values: the backlog that
        // crossed after the cut is judged against when the edge received it, not refused as late or as a replay.
        var metrics = site.App.Services.GetRequiredService<PipelineMetrics>();
        await Eventually.HoldsAsync(() => metrics.ReadingsAccepted, n => n >= accepted * 2, TimeSpan.FromSeconds(30), "the forwarded readings accepted by the site's twin");
        Assert.Equal((accepted, 0L), (site.Edges.Readings!.Delivered, site.Edges.Readings.Refused));
        Assert.Equal(accepted * 2, metrics.ReadingsAccepted);
        var history = await site.App.Services.GetRequiredService<IGrainFactory>().GetGrain<ITwinGrain>("tank1").GetHistoryAsync("level", 1);
        Assert.Equal(readings.Max(r => r.Timestamp), Assert.Single(history!.TimesMs));
        var findings = site.Edges.Messages("edge1", "finding").Select(m => m.Finding!).ToList();
        // The replays are refused as replays until the edge contains the device: at the third, which opens the incident;
        // or sooner when other findings came first (under load, late readings made tank1's signals stale during the cut):
        // the first replay then escalates the incident they opened, or opens one with them, and the rest are refused as
        // the quarantined device's data.
        var replays = findings.Count(f => f.Reason == "replayed_sequence");
        var firstReplay = findings.Where(f => f.Reason == "replayed_sequence").Select(f => f.Time).DefaultIfEmpty(long.MaxValue).Min();
        var others = findings.Where(f => f.Reason != "replayed_sequence" && f.Time <= firstReplay).Select(f => f.Reason).Distinct().ToList();
        Assert.True(others.Count > 0 ? replays is >= 1 and <= 3 : replays == 3,
            $"{replays} replay findings at the site; the edge's findings before the first: [{string.Join(", ", others)}]");
        // At least one: when late readings opened an incident of their own before the replays, a second stage or incident
        // puts the same quarantine in force again (already in place at the edge), and the edge reports that too.
        var quarantines = site.Edges.Messages("edge1", "containment").Select(m => m.Containment!).Where(c => c.Action == "quarantine").ToList();
        Assert.NotEmpty(quarantines);
        Assert.All(quarantines, containment => Assert.Equal(("quarantine", "device", Device, "edge"), (containment.Action, containment.Target, containment.Id, containment.By)));

        await edge.LineAsync(l => l.Contains("quarantine device conveyor-plc by site: Done", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            "the containment decided during the cut at the edge");

        // The site decides a containment while linked: it reaches the edge's gate at once.
        await site.Engine.QuarantineAsync(QuarantineKind.Source, "loop-plc", "operator", "site decision in the edge test");
        await edge.LineAsync(l => l.Contains("quarantine device loop-plc by site: Done", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            "the site's containment at the edge");

        // Both ledgers verify; the site cosigned the edge's checkpoints.
        await Eventually.HoldsAsync(() => CosignedSize(site), n => n > 0, TimeSpan.FromSeconds(30), "a site cosignature in the edge's ledger");
        await edge.StopAsync();
        var witness = WitnessPublicKey.Parse(File.ReadAllText(site.WitnessKeyFile).Trim());
        var edgeLedger = LedgerVerifier.Verify(Path.Combine(site.EdgeData, "ledger"), new LedgerVerificationOptions
        {
            TrustedKey = LedgerPublicKey.FromVerifierKey(site.EdgeLedgerKey),
            Witnesses = [witness],
        });
        Assert.True(edgeLedger.Ok, edgeLedger.Problem?.ToString());
        Assert.True(edgeLedger.WitnessCosignatures >= 1);
        await site.App.StopAsync();
        var siteLedger = LedgerVerifier.Verify(Path.Combine(site.Settings.DataDirectory, "ledger"));
        Assert.True(siteLedger.Ok, siteLedger.Problem?.ToString());
    }

    private static long CosignedSize(EdgeSiteFixture site) =>
        CosignatureFile.Read(Path.Combine(site.EdgeData, "ledger"), out _).Select(c => c.TreeSize).DefaultIfEmpty(0).Max();
}
