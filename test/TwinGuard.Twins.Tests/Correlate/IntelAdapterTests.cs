using System.Net;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Feeds;
using TwinGuard.Testing;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Correlate;

/// <summary>Network IDS alerts from a Suricata EVE file, followed by the real intel monitor, become findings on the plant's devices.</summary>
public sealed class IntelAdapterTests : IDisposable
{
    // Suricata 7 EVE lines as written for a Modbus write from an engineering laptop to the loop PLC, and an unrelated flow.
    private const string Eve = """
        {"timestamp":"2026-12-06T10:15:02.118562+0000","flow_id":1184932870237431,"in_iface":"eth1","event_type":"alert","src_ip":"10.20.9.77","src_port":51544,"dest_ip":"10.20.0.5","dest_port":502,"proto":"TCP","app_proto":"modbus","alert":{"action":"allowed","gid":1,"signature_id":2250009,"rev":2,"signature":"ET SCADA Modbus TCP Write Multiple Registers from non-HMI","category":"Attempted Information Leak","severity":1},"modbus":{"request":{"transaction_id":3,"protocol_id":0,"unit_id":1,"function_raw":16,"function_code":"WriteMultipleRegisters"}}}
        {"timestamp":"2026-12-06T10:15:03.000000+0000","flow_id":1184932870237999,"event_type":"flow","src_ip":"10.20.9.77","src_port":51544,"dest_ip":"10.20.0.5","dest_port":502,"proto":"TCP","flow":{"pkts_toserver":6,"pkts_toclient":5,"bytes_toserver":480,"bytes_toclient":420,"start":"2026-12-06T10:15:02.100000+0000","end":"2026-12-06T10:15:03.000000+0000","age":1,"state":"closed","reason":"timeout","alerted":true}}

        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-intel-adapter-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Resolve_AddressOfOneDevice_GivesTheDeviceAndItsAssetWhenItHasOne()
    {
        var plant = PlantWith(("loop-plc", "10.20.0.5"), ("vibration-node", "10.20.0.7"));

        // loop-plc publishes to pump1 and both valves: no single asset; vibration-node only to pump1.
        Assert.Equal(new AssetRef(null, "loop-plc"), IntelAdapter.Resolve(plant, IPAddress.Parse("10.20.0.5")));
        Assert.Equal(new AssetRef("pump1", "vibration-node"), IntelAdapter.Resolve(plant, IPAddress.Parse("10.20.0.7")));
        Assert.Null(IntelAdapter.Resolve(plant, IPAddress.Parse("127.0.0.1"))); // claimed by two devices: nobody in particular
        Assert.Null(IntelAdapter.Resolve(plant, IPAddress.Parse("10.20.9.77")));
    }

    [Fact]
    public async Task NetworkAlert_EveAlertToADevice_RaisesAnIdsAlertFindingOnThatDevice()
    {
        var plant = PlantWith(("loop-plc", "10.20.0.5"));
        var eve = Path.Combine(_dir, "eve.json");
        await File.WriteAllTextAsync(eve, Eve);
        var evidence = new EvidenceSink(new PipelineMetrics(), TimeProvider.System);
        using var http = new HttpClient();
        var (monitor, adapter) = Follow(plant, eve, evidence, http);
        using var disposeAdapter = adapter;
        using var stop = new CancellationTokenSource();
        var running = monitor.RunAsync(stop.Token);

        var finding = await Eventually.HoldsAsync(
            () => evidence.Findings.TryPeek(out var f) ? f : null, f => f is not null, TimeSpan.FromSeconds(20), "the IDS alert's finding");
        await stop.CancelAsync();
        await running;

        Assert.Equal((ReasonCode.IdsAlert, Severity.High, "loop-plc"), (finding!.Reason, finding.Severity, finding.DeviceId));
        Assert.Contains("2250009 'ET SCADA Modbus TCP Write Multiple Registers from non-HMI'", finding.Message, StringComparison.Ordinal);
        Assert.Contains("10.20.9.77:51544 -> 10.20.0.5:502", finding.Message, StringComparison.Ordinal);
        Assert.Equal(1, evidence.Findings.Count); // the flow is no alert, and no feed lists either end
    }

    [Fact]
    public async Task NetworkAlert_EveCaptureAlertThenProcessAnomalyOnTheDevicesAsset_OneIncidentHoldingBoth()
    {
        // The tank gateway (one asset, tank1) at 10.20.0.9: Suricata sees a scan of its MQTT port from a laptop, then
        // the tank's data breaks range. Neither alone is an incident (a low-severity alert; one finding); in sequence
        // they are one (correlation.sequences: network-alert-then-anomaly), IOC match or not.
        var plant = PlantWith(("tank-gateway", "10.20.0.9"));
        var eve = Path.Combine(_dir, "eve-tank.json");
        // Suricata stamps the event when it saw it: now, so that the anomaly follows within the rule's window.
        var seen = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+0000'", System.Globalization.CultureInfo.InvariantCulture);
        // A realistic capture: the alert on the gateway among DNS, TLS, HTTP, Modbus, flows, statistics, a decoder anomaly and
        // an alert between two office hosts.
        await File.WriteAllTextAsync(eve, EveCapture.PlantNetwork.Replace("SEEN", seen, StringComparison.Ordinal));
        var evidence = new EvidenceSink(new PipelineMetrics(), TimeProvider.System);
        using var http = new HttpClient();
        var (monitor, adapter) = Follow(plant, eve, evidence, http);
        using var disposeAdapter = adapter;
        await using var ledger = TwinGuard.Ledger.LedgerWriter.Open(Path.Combine(_dir, "ledger"), TwinGuard.Ledger.LedgerOptions.Default, TimeProvider.System);
        using var store = TwinGuard.Twins.Record.PlantStore.Open(_dir);
        var stage = new CorrelateStage(evidence, new IncidentCorrelator(plant.Correlation),
            new TwinGuard.Twins.Record.RecordStage(evidence, store, new TwinGuard.Twins.Record.LedgerRecorder(ledger)), adapter);
        var opened = new List<Incident>();
        stage.IncidentOpened += opened.Add;
        using var stop = new CancellationTokenSource();
        var running = monitor.RunAsync(stop.Token);

        await Eventually.HoldsAsync(() => stage.DrainOnce() + store.Findings().Count, _ => store.Findings().Count(f => f.Reason == "ids_alert") >= 2, TimeSpan.FromSeconds(20), "both IDS alerts stored");
        await stop.CancelAsync();
        await running;
        Assert.Empty(opened);
        evidence.Raise(new Finding(TimeProvider.System.GetUtcNow(), ReasonCode.OutOfRange, Severity.Medium, "tank1", "level", "tank-gateway", 2.7, 0, "tank1.level 2.7 m is outside [0, 2]"));
        stage.DrainOnce();

        var incident = Assert.Single(opened);
        Assert.Equal(("asset:tank1", "network-alert-then-anomaly"), (incident.Scope, incident.Rule));
        Assert.Equal([ReasonCode.IdsAlert, ReasonCode.OutOfRange], incident.Reasons);
        Assert.Equal(2, store.Findings().Count(f => f.IncidentId == incident.Id));
        // Only the two alerts became findings (not the capture's other events), and the office hosts' alert, on no device
        // of the plant, stays out of the tank's incident.
        var alerts = store.Findings().Where(f => f.Reason == "ids_alert").ToList();
        Assert.Equal(2, alerts.Count);
        Assert.Equal(3, store.Findings().Count);
        Assert.Null(Assert.Single(alerts, f => f.IncidentId != incident.Id).DeviceId);
    }

    /// <summary>The real intel monitor following <paramref name="eve"/>, with no feeds, and the adapter that raises its alerts.</summary>
    private static (IntelMonitor Monitor, IntelAdapter Adapter) Follow(PlantModel plant, string eve, EvidenceSink evidence, HttpClient http)
    {
        var gate = new ReadingGate(plant, new QuarantineList(), new FloodGuard(plant, TimeProvider.System), evidence, new RecordingInbox());
        var refresher = new FeedRefresher([], http, new FeedRefresherOptions());
        var monitor = new IntelMonitor(refresher, new IntelCorrelator(() => refresher.Index), new IntelMonitorOptions
        {
            NetworkLogs = [eve],
            PollInterval = TimeSpan.FromMilliseconds(20),
        });
        return (monitor, new IntelAdapter(monitor, gate, evidence));
    }

    private static PlantModel PlantWith(params (string Device, string Address)[] moves)
    {
        var yaml = SamplePlant.Text;
        foreach (var (device, address) in moves)
        {
            var entry = yaml.IndexOf($"  - id: {device}", StringComparison.Ordinal);
            var at = yaml.IndexOf("addresses: [127.0.0.1]", entry, StringComparison.Ordinal);
            yaml = yaml[..at] + $"addresses: [{address}]" + yaml[(at + "addresses: [127.0.0.1]".Length)..];
        }

        return PlantModelLoader.Parse(yaml, "plant.yaml");
    }
}
