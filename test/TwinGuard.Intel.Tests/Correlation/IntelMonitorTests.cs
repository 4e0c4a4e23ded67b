using System.Net;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Sharing;

namespace TwinGuard.Intel.Tests.Correlation;

public sealed class IntelMonitorTests
{
    private static readonly DateTimeOffset Start = new(2026, 10, 15, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunAsync_EveAlertAndMqttConnectFromListedAddress_AreCorrelatedAndShared()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("feed.csv"), "type,value,comment\nip,203.0.113.0/24,ICS scanner\n");
        File.WriteAllText(temp.File("eve.json"),
            """{"timestamp":"2026-10-15T09:00:05.000000+0000","event_type":"alert","src_ip":"10.20.0.15","src_port":49152,"dest_ip":"203.0.113.7","dest_port":502,"proto":"TCP","alert":{"signature":"Modbus write to outside","signature_id":1,"severity":1}}""" + "\n");
        var time = new FakeTimeProvider(Start.AddMinutes(1));
        using var http = new HttpClient();
        var refresher = new FeedRefresher([FeedSource.For(temp.File("feed.csv"))], http, new FeedRefresherOptions { TimeProvider = time });
        await refresher.RefreshAllAsync(CancellationToken.None);
        var correlator = new IntelCorrelator(() => refresher.Index, new IntelCorrelatorOptions
        {
            TimeProvider = time,
            ResolveAddress = a => a.Equals(IPAddress.Parse("10.20.0.15")) ? new AssetRef("press-1", "plc-7") : null,
        });
        var monitor = new IntelMonitor(refresher, correlator, new IntelMonitorOptions
        {
            NetworkLogs = [temp.File("eve.json")],
            TimeProvider = time,
            SightingLogPath = temp.File("sightings.jsonl"),
        });
        var alerted = new TaskCompletionSource<CorrelationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        monitor.Correlated += (_, result) => alerted.TrySetResult(result);
        using var stop = new CancellationTokenSource();

        var run = monitor.RunAsync(stop.Token);
        var fromLog = await alerted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var connect = monitor.ObserveConnection(
            new ConnectionEvent(Start.AddMinutes(1), "mqtt", "rogue", "plc-7", IPAddress.Parse("203.0.113.99")) { AssetId = "press-1" });
        var anomaly = monitor.ObserveAnomaly(new ProcessAnomaly(Start.AddMinutes(2), "press-1", "plc-7", "setpoint outside envelope"));
        monitor.RecordQuarantine(IPAddress.Parse("10.20.0.15"), "plc-7");
        await stop.CancelAsync();
        await run;

        Assert.Equal(IntelSeverity.High, Assert.Single(fromLog.Findings).Severity);
        Assert.Equal("203.0.113.0/24", Assert.Single(connect.Findings).Match.Indicator.Value);
        // The alert and the connection both match the same indicator near the same anomaly: one incident, not two.
        Assert.Equal("press-1", Assert.Single(anomaly.Incidents).Anomaly.AssetId);
        var shared = new SightingLog(temp.File("sightings.jsonl")).Read();
        Assert.Equal(["203.0.113.0/24", "10.20.0.15"], shared.Select(s => s.Atom.Value));
        Assert.Equal(2, shared[0].Count);
    }
}
