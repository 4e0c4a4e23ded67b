using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench tls</c>: what TLS costs TwinGuard's broker beside what it costs mosquitto, in the same run with the
/// same certificates: readings/s from <c>mosquitto_pub -l</c> over plain MQTT and over TLS with a device certificate,
/// and TLS connections (handshake with a client certificate, CONNECT, CONNACK, DISCONNECT) per second.
/// </summary>
internal static class TlsBenchmark
{
    private const string Device = "bench-device";
    private const string PasswordDevice = "bench-password";
    private const string Password = "bench-password-secret";
    private const int Messages = 20_000;
    private const int Connections = 100;
    private const int Rounds = 5;
    private static readonly IPNetwork Loopback = new(IPAddress.Loopback, 32);

    public static ProductBenchmark Create() => new("tls",
        "MQTT over TLS with device certificates vs plain, and TLS connections/s, beside mosquitto with the same certificates", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("twinguard-bench-tls-").FullName;
        try
        {
            var pki = new SiteCertificates(Path.Combine(directory, "pki"), TimeProvider.System, TimeSpan.FromDays(2));
            pki.CreateAll("bench", [Device], [], []);
            var (started, siteSettings) = await StartSiteAsync(pki, Path.Combine(directory, "data"), ct);
            await using var site = started;
            var (plain, tls) = (siteSettings.Broker.Listeners[0].Port, siteSettings.Broker.Listeners[1].Port);
            var metrics = site.Services.GetRequiredService<PipelineMetrics>();
            using var mosquitto = await MosquittoPeer.StartAsync(directory, 2, ports => MosquittoListeners(pki, ports[0], ports[1]), ct);
            var (peerPlain, peerTls) = (mosquitto.Ports[0], mosquitto.Ports[1]);

            // Rounds, each interleaved, so that the machine's load drifts alike over both brokers; medians and the
            // spread (min-max) of each figure and of each round's ratios.
            var rounds = context.Size(Rounds, 1);
            var runs = new List<TlsRound>();
            for (var round = 0; round < rounds; round++)
            {
                var lines = Lines(Messages, (round * Messages) + 1); // each round's sequence numbers follow the last's: no replay
                var ours = await PublishToSiteAsync(metrics, plain, null, lines, ct);
                var peer = await PublishToMosquittoAsync(peerPlain, null, lines, ct);
                var oursTls = await PublishToSiteAsync(metrics, tls, pki, lines, ct);
                var peerTlsRate = await PublishToMosquittoAsync(peerTls, pki, lines, ct);
                var connections = await ConnectionsPerSecondAsync(tls, pki, ct);
                var peerConnections = await ConnectionsPerSecondAsync(peerTls, pki, ct);
                runs.Add(new TlsRound(ours, oursTls, peer, peerTlsRate, connections, peerConnections));
            }

            var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
            var figures = new (string Name, Func<TlsRound, double> Of)[]
            {
                ("twinguard_plain_msgs_per_s", r => r.Plain),
                ("twinguard_tls_msgs_per_s", r => r.Tls),
                ("mosquitto_plain_msgs_per_s", r => r.PeerPlain),
                ("mosquitto_tls_msgs_per_s", r => r.PeerTls),
                ("twinguard_tls_over_plain", r => r.Tls / r.Plain),
                ("mosquitto_tls_over_plain", r => r.PeerTls / r.PeerPlain),
                // TLS's cost is plain/TLS time per message: ours over mosquitto's, 1 = TLS costs us what it costs mosquitto.
                ("tls_cost_ratio_twinguard_over_mosquitto", r => (r.Plain / r.Tls) / (r.PeerPlain / r.PeerTls)),
                ("twinguard_tls_connections_per_s", r => r.Connections),
                ("mosquitto_tls_connections_per_s", r => r.PeerConnections),
                ("connections_ratio", r => r.Connections / r.PeerConnections),
            };
            var summary = figures.ToDictionary(f => f.Name, f => Spread(runs.Select(f.Of).ToList()));
            if (context.Json)
            {
                await context.Output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(new
                {
                    messages = Messages,
                    connections = Connections,
                    rounds,
                    processors = Environment.ProcessorCount,
                    load_average_1m = load,
                    figures = summary.ToDictionary(p => p.Key, p => new { median = p.Value.Median, min = p.Value.Min, max = p.Value.Max }),
                }));
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"tls: {rounds} round(s) of {Messages:N0} messages and {Connections} connections each, median [min-max], load {load}"));
                foreach (var (name, value) in summary)
                {
                    await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {name,-42} {value.Median,12:N2} [{value.Min:N2}-{value.Max:N2}]"));
                }
            }

            await site.StopAsync(CancellationToken.None);
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The site, its plain and TLS listeners on free loopback ports (the broker's listeners 0 and 1); on new ones when one was taken meanwhile.</summary>
    private static async Task<(WebApplication App, HostSettings Settings)> StartSiteAsync(SiteCertificates pki, string dataDir, CancellationToken ct)
    {
        var fingerprint = DeviceCertificate.FingerprintOf(X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pki.DeviceCertificate(Device), ct)));
        var signals = new[] { "a", "b" }.Select(id => new SignalModel(id, "u", 0, 100, 1e9, TimeSpan.FromMilliseconds(1), Criticality.Medium)).ToList();
        var files = new TlsSettings(pki.ServerCertificate, pki.ServerKey, pki.CaCertificate, new HashSet<string>());
        var plant = new PlantModel(
            new SiteModel("bench", "Benchmark site", "plant"),
            ValidationSettings.Default with { MaxPastSkew = TimeSpan.FromHours(1), FloodFactor = 1e6, FrozenSamples = int.MaxValue },
            DetectionSettings.Default,
            CorrelationSettings.Default,
            [new AssetModel("bench", "Benchmark asset", "bench", [], signals)],
            [
                // Both declared at their address, as a plant's devices are: a listed address is held to the total connection
                // cap only (docs/abuse.md), not to the per-address connect rate that 100 back-to-back connections would pass.
                new DeviceModel(Device, Device, null, ["plant/#"]) { Certificate = new DeviceCertificate(fingerprint, null, null), Addresses = [Loopback] },
                new DeviceModel(PasswordDevice, PasswordDevice, PasswordHash.Create(Password, 1000), ["plant/#"]) { Addresses = [Loopback] }, // plain MQTT: a password
            ],
            []) { Tls = files };
        return await LoopbackSite.StartAsync(
            () =>
            {
                var (plain, tls) = (LoopbackPorts.Free(), LoopbackPorts.Free());
                var broker = new BrokerOptions(IPAddress.Loopback, plain)
                {
                    Listeners = [new ListenerModel(ListenerProtocol.Mqtt, IPAddress.Loopback, plain), new ListenerModel(ListenerProtocol.Mqtts, IPAddress.Loopback, tls)],
                    Tls = files,
                };
                return new HostSettings(plant, dataDir, broker, $"http://127.0.0.1:{LoopbackPorts.Free()}", LoopbackPorts.Free()) { LedgerKey = LedgerKeyLocations.ForRun(dataDir) };
            },
            app => app.StartAsync(ct));
    }

    private static string MosquittoListeners(SiteCertificates pki, int plain, int tls) => string.Create(CultureInfo.InvariantCulture, $"""
        per_listener_settings true
        persistence false
        max_queued_messages 0
        set_tcp_nodelay true
        user {Environment.UserName}
        listener {plain} 127.0.0.1
        allow_anonymous true
        listener {tls} 127.0.0.1
        allow_anonymous true
        cafile {pki.CaCertificate}
        certfile {pki.ServerCertificate}
        keyfile {pki.ServerKey}
        require_certificate true
        tls_version tlsv1.2

        """);

    private static async Task<double> PublishToSiteAsync(PipelineMetrics metrics, int port, SiteCertificates? pki, string[] lines, CancellationToken ct)
    {
        var before = metrics.Messages;
        var clock = Stopwatch.StartNew();
        await PublishAsync(port, pki, lines, ct);
        var waited = Stopwatch.StartNew();
        while (metrics.Messages - before < lines.Length)
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(2))
            {
                // A benchmark that waits for ever measures nothing: say what arrived instead.
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"port {port}: {metrics.Messages - before} of {lines.Length} readings reached the pipeline within 2 minutes of the publisher's end"));
            }

            await Task.Delay(5, ct);
        }

        return lines.Length / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> PublishToMosquittoAsync(int port, SiteCertificates? pki, string[] lines, CancellationToken ct)
    {
        var args = new List<string> { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "plant/bench", "-C", lines.Length.ToString(CultureInfo.InvariantCulture) };
        if (pki is not null)
        {
            args.AddRange(["--cafile", pki.CaCertificate, "--cert", pki.DeviceCertificate(Device), "--key", pki.DeviceKey(Device)]);
        }

        using var subscriber = Process.Start(new ProcessStartInfo("mosquitto_sub", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var drained = subscriber.StandardOutput.BaseStream.CopyToAsync(Stream.Null, ct);
        await Task.Delay(300, ct); // the subscription must be in place before the first message
        var clock = Stopwatch.StartNew();
        await PublishAsync(port, pki, lines, ct);
        await subscriber.WaitForExitAsync(ct);
        await drained;
        return lines.Length / clock.Elapsed.TotalSeconds;
    }

    private static async Task PublishAsync(int port, SiteCertificates? pki, string[] lines, CancellationToken ct)
    {
        var args = new List<string> { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-q", "0", "-t", "plant/bench", "-l" };
        args.AddRange(pki is null
            ? ["-u", PasswordDevice, "-P", Password]
            : ["--cafile", pki.CaCertificate, "--cert", pki.DeviceCertificate(Device), "--key", pki.DeviceKey(Device)]);

        using var publisher = Process.Start(new ProcessStartInfo("mosquitto_pub", args) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true })!;
        var discarded = publisher.StandardOutput.BaseStream.CopyToAsync(Stream.Null, ct); // off our stdout (--json)
        foreach (var line in lines)
        {
            await publisher.StandardInput.WriteLineAsync(line.AsMemory(), ct);
        }

        publisher.StandardInput.Close();
        await publisher.WaitForExitAsync(ct);
        await discarded;
        if (publisher.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_pub on port {port}: {await publisher.StandardError.ReadToEndAsync(ct)}");
        }
    }

    /// <summary>Sequential TLS connections with the device certificate, by the same client (MQTTnet) for both brokers.</summary>
    private static async Task<double> ConnectionsPerSecondAsync(int port, SiteCertificates pki, CancellationToken ct)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(pki.CaCertificate);
        using var certificate = X509Certificate2.CreateFromPemFile(pki.DeviceCertificate(Device), pki.DeviceKey(Device));
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithTlsOptions(t => t.UseTls().WithTargetHost("localhost").WithTrustChain(roots).WithClientCertificates([certificate])
                .WithRevocationMode(X509RevocationMode.NoCheck))
            .Build();
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(options, ct); // warm-up
        await client.DisconnectAsync(cancellationToken: ct);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Connections; i++)
        {
            var connected = await client.ConnectAsync(options, ct);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"TLS connection to port {port} refused: {connected.ResultCode}");
            }

            await client.DisconnectAsync(cancellationToken: ct);
        }

        return Connections / clock.Elapsed.TotalSeconds;
    }

    private static (double Median, double Min, double Max) Spread(List<double> values)
    {
        var sorted = values.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        return (Math.Round(median, 3), Math.Round(sorted[0], 3), Math.Round(sorted[^1], 3));
    }

    private static string[] Lines(int count, int firstSeq)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture,
            $$$"""{"ts":{{{now}}},"seq":{{{firstSeq + i}}},"values":{"a":{{{50 + (i % 7)}}},"b":{{{20 + (i % 5)}}}}}""")).ToArray();
    }
}
