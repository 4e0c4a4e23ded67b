using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench opcua</c>: monitored-item notifications per second taken in through the full pipeline (serve host:
/// subscriber, gate, twins), against node-opcua's own client subscribing to the same items of the same node-opcua server.
/// </summary>
/// <remarks>
/// Needs <c>node</c> and the repository's test/opcua-server with node-opcua installed (test.sh does it). The server
/// updates <see cref="Items"/> variables every 10 ms; TwinGuard and the peer take turns (interleaved rounds, never
/// both at once), each for <see cref="Window"/> after a warm-up, sampling interval 0 and publishing interval 50 ms for
/// both. A ratio near 1 means both keep up with what the server produces; the figures say which side fell behind.
/// </remarks>
internal static class OpcUaBenchmark
{
    private const int Items = 100;
    private const int Rounds = 2;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    public static ProductBenchmark Create() =>
        new("opcua", "OPC UA: notifications/s through the full pipeline vs node-opcua's own client, same server, same items", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var scripts = FindScripts();
        if (scripts is null)
        {
            await Console.Error.WriteLineAsync("twinguard: bench opcua needs node and test/opcua-server with node-opcua installed (run test.sh, or npm ci there)");
            return 2;
        }

        var pki = Directory.CreateTempSubdirectory("twinguard-bench-opcua-pki-").FullName;
        Process? server = null;
        try
        {
            (server, var port) = await StartServerAsync(scripts, pki, cancellationToken);
            var url = $"opc.tcp://127.0.0.1:{port}/UA/Pump";
            var ours = new List<(double Notifications, double Readings)>();
            var peer = new List<double>();
            for (var round = 0; round < Rounds; round++)
            {
                ours.Add(await MeasureOursAsync(url, cancellationToken));
                peer.Add(await MeasurePeerAsync(scripts, url, cancellationToken));
            }

            var oursRate = Median(ours.Select(o => o.Notifications));
            var peerRate = Median(peer);
            var result = new Dictionary<string, object>
            {
                ["benchmark"] = "opcua",
                ["items"] = Items,
                ["server"] = "node-opcua 2.186.4 (test/opcua-server/server.js), values updated every 10 ms",
                ["twinguard_notifications_per_s"] = Math.Round(oursRate),
                ["twinguard_readings_accepted_per_s"] = Math.Round(Median(ours.Select(o => o.Readings))),
                ["node_opcua_client_notifications_per_s"] = Math.Round(peerRate),
                ["ratio"] = peerRate > 0 ? Math.Round(oursRate / peerRate, 2) : 0,
                ["rounds"] = Rounds,
                ["window_s"] = Window.TotalSeconds,
                ["load_average_1m"] = LoadAverage(),
            };
            if (context.Json)
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(result));
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"OPC UA, {Items} items: TwinGuard {oursRate:0} notifications/s through the pipeline, node-opcua client {peerRate:0}/s, ratio {result["ratio"]} (load {result["load_average_1m"]})"));
            }

            return 0;
        }
        finally
        {
            if (server is not null)
            {
                server.StandardInput.Close();
                if (!server.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    server.Kill(entireProcessTree: true);
                }

                server.Dispose();
            }

            Directory.Delete(pki, recursive: true);
        }
    }

    /// <summary>
    /// Starts the node-opcua server, again on a new port when the one picked was taken before it bound it (the benchmark
    /// runs beside other processes, the tests of CI among them): node says EADDRINUSE on stderr and exits.
    /// </summary>
    private static Task<(Process Server, int Port)> StartServerAsync(string scripts, string pki, CancellationToken cancellationToken) =>
        LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var port = LoopbackPorts.Free();
            var taken = 0;
            var server = StartNode(scripts, "server.js", line =>
                {
                    if (line?.Contains("EADDRINUSE", StringComparison.Ordinal) == true)
                    {
                        Interlocked.Exchange(ref taken, 1);
                    }
                },
                port.ToString(CultureInfo.InvariantCulture), pki, "--period", "10", "--extra", Items.ToString(CultureInfo.InvariantCulture));
            try
            {
                await ReadLineStartingAsync(server, "listening ", TimeSpan.FromSeconds(120), cancellationToken);
                return (server, port);
            }
            catch (Exception ex)
            {
                if (!server.HasExited)
                {
                    server.Kill(entireProcessTree: true);
                }

                await server.WaitForExitAsync(CancellationToken.None); // and its stderr read
                server.Dispose();
                throw Volatile.Read(ref taken) == 1
                    ? new IOException($"node-opcua server: port {port} was taken before it bound it", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse))
                    : ex;
            }
        });

    private static PlantModel Plant(string url)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("site: { id: bench, topic_prefix: plant }");
        yaml.AppendLine("assets:");
        yaml.AppendLine("  - id: pump1");
        yaml.AppendLine("    kind: pump");
        yaml.AppendLine("    signals:");
        for (var i = 0; i < Items; i++)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      - {{ id: extra{i}, unit: x, range: [0, 1000], max_rate: 100000, period: 100ms }}");
        }

        yaml.AppendLine("devices: []");
        yaml.AppendLine("opcua:");
        yaml.AppendLine("  devices:");
        yaml.AppendLine("    - id: bench-ua");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"      endpoint: {url}");
        yaml.AppendLine("      publishing_interval: 50ms");
        yaml.AppendLine("      signals:");
        for (var i = 0; i < Items; i++)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"        - {{ asset: pump1, signal: extra{i}, node: \"ns=1;s=pump1.extra{i}\", sampling: 1ms }}");
        }

        return PlantModelLoader.Parse(yaml.ToString(), "bench-opcua.yaml");
    }

    private static async Task<(double Notifications, double Readings)> MeasureOursAsync(string url, CancellationToken cancellationToken)
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-bench-opcua-").FullName;
        try
        {
            var (started, _) = await LoopbackSite.StartAsync(
                () => LoopbackSite.Settings(Plant(url), dataDir) with { LedgerKey = LedgerKeyLocations.ForRun(dataDir) },
                built => built.StartAsync(cancellationToken));
            await using var app = started;
            var subscriber = app.Services.GetRequiredService<OpcUaService>().Subscribers[0];
            var metrics = app.Services.GetRequiredService<PipelineMetrics>();
            var deadline = Stopwatch.StartNew();
            while (subscriber.Notifications == 0 && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(50, cancellationToken);
            }

            await Task.Delay(Warmup, cancellationToken);
            var (notifications, readings) = (subscriber.Notifications, metrics.ReadingsAccepted);
            var clock = Stopwatch.StartNew();
            await Task.Delay(Window, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            var result = ((subscriber.Notifications - notifications) / seconds, (metrics.ReadingsAccepted - readings) / seconds);
            await app.StopAsync(cancellationToken);
            return result;
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<double> MeasurePeerAsync(string scripts, string url, CancellationToken cancellationToken)
    {
        using var client = StartNode(scripts, "peer-client.js", _ => { }, url, Items.ToString(CultureInfo.InvariantCulture),
            Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture), Window.TotalSeconds.ToString(CultureInfo.InvariantCulture), "50");
        var line = await ReadLineStartingAsync(client, "{", TimeSpan.FromSeconds(120), cancellationToken);
        await client.WaitForExitAsync(cancellationToken);
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("notifications").GetDouble() / json.RootElement.GetProperty("seconds").GetDouble();
    }

    private static Process StartNode(string directory, string script, Action<string?> errorLine, params string[] arguments)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        info.ArgumentList.Add(Path.Combine(directory, script));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start node");
        process.ErrorDataReceived += (_, e) => errorLine(e.Data);
        process.BeginErrorReadLine();
        return process;
    }

    // node-opcua writes its own warnings to stdout too: the scripts' lines are the ones that start with their words.
    private static async Task<string> ReadLineStartingAsync(Process process, string prefix, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"node {process.StartInfo.ArgumentList[0]} ended without printing '{prefix}...'");
    }

    private static string? FindScripts()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, "test", "opcua-server");
                if (File.Exists(Path.Combine(path, "server.js")) && Directory.Exists(Path.Combine(path, "node_modules", "node-opcua")))
                {
                    return path;
                }
            }
        }

        return null;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
