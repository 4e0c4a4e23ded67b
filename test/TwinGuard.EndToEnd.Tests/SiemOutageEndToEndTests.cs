using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using TwinGuard.Twins.Record;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// Every finding to the SIEM, at least once, through a whole <c>twinguard serve</c> process: its syslog collector (a
/// real TCP listener) is down for the first 60 s while findings keep coming, then comes up.
/// </summary>
public sealed partial class SiemOutageEndToEndTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serve_SyslogCollectorDownFor60Seconds_EveryFindingArrivesAfterItComesBack_NoneTwice()
    {
        var directory = Directory.CreateTempSubdirectory("twinguard-siem-outage-").FullName;
        // The collector's port, held bound but not listening through the outage: the forwarder is refused, as by a collector
        // that is down, and no other process can take the port in the minute before the collector comes up on it.
        using var collectorSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        collectorSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var siemPort = ((IPEndPoint)collectorSocket.LocalEndPoint!).Port;
        var plant = Path.Combine(directory, "plant.yaml");
        File.Copy(ServedSite.SamplePlantPath, plant);
        await File.WriteAllTextAsync(Path.Combine(directory, "playbooks.yaml"), string.Create(CultureInfo.InvariantCulture, $$"""
            notifiers:
              - { id: siem, kind: syslog, host: 127.0.0.1, port: {{siemPort}}, transport: tcp }
            forward:
              - notifier: siem
            playbooks: []
            """));
        var data = Path.Combine(directory, "data");
        await using var serve = await SiloProcess.StartServeAsync(
            (mqtt, urls) => ["--config", plant, "--data-dir", data, "--mqtt-port", mqtt, "--urls", urls],
            Path.GetTempPath(),
            data,
            environment: new Dictionary<string, string> { ["TWINGUARD_KEY_DIR"] = Path.Combine(directory, "keys") });
        var mqttPort = serve.MqttPort;
        using var http = new HttpClient();
        await Eventually.HoldsAsync(() => Healthy(http, serve.HttpPort), up => up, TimeSpan.FromSeconds(90), "serve answering /health");

        // The collector is down: unknown clients keep knocking, each one a finding of its own, for a whole minute.
        var down = Stopwatch.StartNew();
        var probes = 0;
        while (down.Elapsed < Outage)
        {
            await ProbeAsync(mqttPort, data, ++probes);
        }

        Assert.True(CountFindings(data) >= probes, "every probe is a stored finding");

        // The collector comes up; two more findings while it is up.
        collectorSocket.Listen();
        var received = new ConcurrentQueue<string>();
        using var collecting = new CancellationTokenSource();
        var collector = CollectAsync(collectorSocket, received, collecting.Token);
        await ProbeAsync(mqttPort, data, ++probes);
        await ProbeAsync(mqttPort, data, ++probes);

        // Every stored finding arrives (the forwarder retries with back-off up to 30 s), each exactly once.
        var stored = StoredIds(data);
        var ids = await Eventually.HoldsAsync(
            () => received.Select(FindingId).ToList(),
            got => stored.All(got.Contains),
            TimeSpan.FromSeconds(90),
            $"all {stored.Count} stored findings at the collector");
        await collecting.CancelAsync();
        await collector;

        Assert.True(stored.Count >= probes, $"{stored.Count} findings stored for {probes} probes");
        var twice = ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"delivered more than once: {string.Join(", ", twice)}");
        // Nothing arrives that is not stored: read now, since findings raised after the list above may have arrived too.
        Assert.Subset(StoredIds(data).ToHashSet(), ids.ToHashSet());
        // In the order they were found: the queue on disk kept it through the outage.
        Assert.Equal(ids.Order(), ids);
    }

    private static bool Healthy(HttpClient http, int apiPort)
    {
        try
        {
            return http.GetAsync(new Uri($"http://127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}/health")).GetAwaiter().GetResult().IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>
    /// An unknown client tries to publish, each probe from an address block of its own (127.0.N.1: the refusals of
    /// one block fold into one finding); returns once its refusal is a stored finding.
    /// </summary>
    private static async Task ProbeAsync(int mqttPort, string data, int probe)
    {
        var before = CountFindings(data);
        var address = string.Create(CultureInfo.InvariantCulture, $"127.{(probe >> 8) & 255}.{probe & 255}.1");
        await MosquittoPub.PublishAsync(mqttPort, $"probe-{probe.ToString(CultureInfo.InvariantCulture)}", "guessed", "plant/pump1", """{"ts":1,"seq":1,"value":1}""", address);
        await Eventually.HoldsAsync(() => CountFindings(data), n => n > before, TimeSpan.FromSeconds(20), $"probe {probe}'s finding stored");
    }

    private static int CountFindings(string data)
    {
        using var store = PlantStore.Open(data, readOnly: true);
        return store.Findings(limit: 100_000).Count;
    }

    private static List<long> StoredIds(string data)
    {
        using var store = PlantStore.Open(data, readOnly: true);
        return store.Findings(limit: 100_000).Select(f => f.Id).ToList();
    }

    /// <summary>Accepts the forwarder's connections and reads their octet-counted frames (RFC 6587 §3.4.1) until cancelled.</summary>
    private static async Task CollectAsync(Socket listener, ConcurrentQueue<string> received, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await using var stream = new NetworkStream(await listener.AcceptAsync(cancellationToken), ownsSocket: true);
                try
                {
                    while (true)
                    {
                        received.Enqueue(await LockdownListeners.ReadFrameAsync(stream, cancellationToken));
                    }
                }
                catch (EndOfStreamException)
                {
                    // The forwarder closed this connection (one per message).
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static long FindingId(string frame) =>
        long.Parse(FindingSd().Match(frame) is { Success: true } m ? m.Groups[1].Value : throw new InvalidDataException("no finding id in: " + frame), CultureInfo.InvariantCulture);

    [GeneratedRegex("""\[twinguard@32473 finding="(\d+)" """)]
    private static partial Regex FindingSd();
}
