using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MQTTnet;
using TwinGuard.Ingest.Modbus;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Ingest.Mqtt.PreLogin;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench abuse</c>: what clients without credentials can cost a serve host (issue #16's goals), measured
/// against the real host on loopback, attackers on other loopback addresses (127.0.0.0/8 is all this machine's).
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>1,000 concurrent pre-login connections each announcing a 256 MiB CONNECT (and sending 4 KiB of it): the
/// growth of the process's resident set, at its peak and after they closed; meanwhile a device connects and publishes
/// (QoS 1) again and again, timed. Goals: growth under 64 MB, back to baseline; the device within 100 ms.</item>
/// <item>100,000 refused connects with 60 KB user names and client ids: the growth of database plus ledger, and
/// whether the ledger still verifies. Goal: under 64 MB.</item>
/// <item>A device's publish-to-finding latency (an out-of-range reading, QoS 1) without an attack and during one
/// (refused connects and idle sockets from 1,000 addresses). Goal: p99 within 2x.</item>
/// <item>1,000 idle sockets from unlisted addresses on the Modbus guard while the listed HMI reads. Goal: every request
/// answered.</item>
/// </list>
/// </remarks>
internal static class AbuseBenchmark
{
    private const string Device = "tank-gateway";
    private const string Password = "demo-tank-gateway";
    private const int Announcers = 1000;
    private const int RefusedConnects = 100_000;
    private const int LatencySamples = 100;

    public static ProductBenchmark Create() => new("abuse", "Unauthenticated clients vs serve: memory, storage, a device's latency, the Modbus guard (issue #16 goals)", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var plant = PlantModelLoader.Load(Commands.DemoCommand.SamplePlantPath());
        var dataDir = Directory.CreateTempSubdirectory("twinguard-bench-abuse-").FullName;
        var result = new Dictionary<string, object> { ["benchmark"] = "abuse" };
        try
        {
            var (started, settings) = await LoopbackSite.StartAsync(
                () => LoopbackSite.Settings(plant, dataDir) with { LedgerKey = LedgerKeyLocations.ForRun(dataDir) },
                built => built.StartAsync(cancellationToken));
            await using (var app = started)
            {
                var port = settings.Broker.Port;
                var evidence = app.Services.GetRequiredService<EvidenceSink>();
                var admission = app.Services.GetRequiredService<EmbeddedBroker>().Admission;
                var seq = new Sequence();

                result["memory"] = await MemoryAsync(port, seq, cancellationToken);
                result["device_latency"] = await DeviceLatencyAsync(port, evidence, seq, cancellationToken);
                var before = DataSize(dataDir);
                var watch = Stopwatch.StartNew();
                var sent = await RefusedConnectsAsync(port, RefusedConnects, 60_000, cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // let the record stage write what it will
                result["refused_connects"] = new Dictionary<string, object>
                {
                    ["connects"] = sent,
                    ["seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 1),
                    ["db_and_ledger_growth_mb"] = Math.Round((DataSize(dataDir) - before) / 1048576.0, 3),
                    ["refused_before_login"] = admission.RefusedTotal,
                    ["oversized"] = admission.Refused(AdmissionRefusal.Oversized),
                    ["rate_limited_or_capped"] = admission.Refused(AdmissionRefusal.RateLimited) + admission.Refused(AdmissionRefusal.AddressPending) + admission.Refused(AdmissionRefusal.TooManyPending),
                    ["goal_growth_mb"] = 64,
                };
                await app.StopAsync(CancellationToken.None);
            }

            var verification = Ledger.Verification.LedgerVerifier.Verify(Path.Combine(dataDir, "ledger"));
            ((Dictionary<string, object>)result["refused_connects"])["ledger_verifies"] = verification.Ok;
            result["modbus"] = await ModbusAsync(cancellationToken);
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
                // A temporary directory left behind is harmless.
            }
        }

        result["load_average_1m"] = LoadAverage();
        if (context.Json)
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(result));
        }
        else
        {
            foreach (var (key, value) in result)
            {
                await context.Output.WriteLineAsync($"{key}: {(value is string or double or int or long ? value : JsonSerializer.Serialize(value))}");
            }
        }

        return 0;
    }

    /// <summary>Phase 1: 1,000 connections announcing 256 MiB, the resident set, and a device connecting meanwhile.</summary>
    private static async Task<Dictionary<string, object>> MemoryAsync(int port, Sequence seq, CancellationToken cancellationToken)
    {
        // The device's first connection pays PBKDF2 and the client's warm-up; then it is timed without an attack (the
        // peer figure) and during one.
        await ConnectPublishAsync(port, seq, "bench-warmup");
        var quiet = await TimedLoopAsync(port, seq, TimeSpan.FromSeconds(3));

        var baseline = ResidentSet();
        var peak = baseline;
        using var stop = new CancellationTokenSource();
        var device = Task.Run(() => ConnectPublishLoopAsync(port, seq, stop.Token), CancellationToken.None);
        byte[] header = [0x10, .. RawMqttPackets.RemainingLength((256L * 1024 * 1024) - 1)];
        var junk = new byte[4096];
        var sockets = new List<Socket>(Announcers);
        try
        {
            // All 1,000 connected at once, then each announces its 256 MiB CONNECT and sends 4 KiB of it.
            await Task.WhenAll(Enumerable.Range(0, Announcers).Select(async i =>
            {
                var socket = Attacker(i);
                lock (sockets)
                {
                    sockets.Add(socket);
                }

                await IgnoreResetAsync(socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).AsTask());
            }));
            peak = Math.Max(peak, ResidentSet(collect: false));
            await Task.WhenAll(sockets.Select(async socket =>
            {
                await IgnoreResetAsync(socket.SendAsync(header, cancellationToken).AsTask());
                await IgnoreResetAsync(socket.SendAsync(junk, cancellationToken).AsTask());
            }));
            peak = Math.Max(peak, ResidentSet(collect: false));
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            peak = Math.Max(peak, ResidentSet(collect: false));
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }

        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        await stop.CancelAsync();
        var latencies = await device;
        latencies.Sort();
        var after = ResidentSet();
        return new Dictionary<string, object>
        {
            ["connections"] = Announcers,
            ["announced_mib_each"] = 256,
            ["rss_baseline_mb"] = Mb(baseline),
            ["rss_growth_peak_mb"] = Mb(peak - baseline),
            ["rss_growth_after_mb"] = Mb(after - baseline),
            ["device_quiet_connect_publish_p99_ms"] = Math.Round(Percentile(quiet, 0.99), 1),
            ["device_connect_publish_n"] = latencies.Count,
            ["device_connect_publish_p99_ms"] = Math.Round(Percentile(latencies, 0.99), 1),
            ["device_connect_publish_max_ms"] = Math.Round(latencies.Count == 0 ? double.NaN : latencies[^1], 1),
            ["goal_growth_mb"] = 64,
            ["goal_device_ms"] = 100,
        };
    }

    private static async Task IgnoreResetAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (SocketException)
        {
            // refused or reset by the broker: the point
        }
    }

    private static async Task<List<double>> TimedLoopAsync(int port, Sequence seq, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        var latencies = await ConnectPublishLoopAsync(port, seq, stop.Token);
        latencies.Sort();
        return latencies;
    }

    private static async Task ConnectPublishAsync(int port, Sequence seq, string clientId)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(port, clientId), CancellationToken.None);
        await client.PublishStringAsync("plant/tank1", Reading(seq.Next(), 1.2), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        await client.DisconnectAsync();
    }

    /// <summary>Phase 3: a device's publish-to-finding latency without and during an attack.</summary>
    private static async Task<Dictionary<string, object>> DeviceLatencyAsync(int port, EvidenceSink evidence, Sequence seq, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(port, "bench-latency"), cancellationToken);
        TaskCompletionSource? found = null;
        evidence.Raised += f =>
        {
            if (f.DeviceId == Device && f.Reason == ReasonCode.OutOfRange)
            {
                found?.TrySetResult();
            }
        };

        async Task<List<double>> SampleAsync()
        {
            var samples = new List<double>(LatencySamples);
            for (var i = 0; i < LatencySamples; i++)
            {
                found = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var began = Stopwatch.GetTimestamp();
                await client.PublishStringAsync("plant/tank1", Reading(seq.Next(), 9.5), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: cancellationToken);
                try
                {
                    await found.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                    samples.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
                }
                catch (TimeoutException)
                {
                    samples.Add(double.PositiveInfinity); // no finding within 10 s: worse than any goal
                }

                await Task.Delay(100, cancellationToken); // a device sampling at 10 Hz, within the flood guard's allowance
            }

            samples.Sort();
            return samples;
        }

        var quiet = await SampleAsync();
        using var stop = new CancellationTokenSource();
        var attack = Task.Run(() => AttackLoopAsync(port, stop.Token), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var loud = await SampleAsync();
        await stop.CancelAsync();
        var attempts = await attack;
        await client.DisconnectAsync(cancellationToken: cancellationToken);
        var ratio = Percentile(loud, 0.99) / Percentile(quiet, 0.99);
        return new Dictionary<string, object>
        {
            ["samples"] = LatencySamples,
            ["quiet_p50_ms"] = Math.Round(Percentile(quiet, 0.50), 2),
            ["quiet_p99_ms"] = Math.Round(Percentile(quiet, 0.99), 2),
            ["attack_p50_ms"] = Math.Round(Percentile(loud, 0.50), 2),
            ["attack_p99_ms"] = Math.Round(Percentile(loud, 0.99), 2),
            ["p99_ratio"] = Math.Round(ratio, 2),
            ["attack_connects"] = attempts,
            ["goal_p99_ratio"] = 2,
        };
    }

    /// <summary>Phase 4: 1,000 idle unlisted sockets on the Modbus guard while the listed HMI reads.</summary>
    private static async Task<Dictionary<string, object>> ModbusAsync(CancellationToken cancellationToken)
    {
        await using var plc = new ModbusBenchmark.BenchPlc();
        var time = TimeProvider.System;
        var device = new ModbusDeviceModel("bench-plc", "bench PLC", "127.0.0.1", plc.Port, 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
            [new ModbusPoint("plc", "level", ModbusTable.Holding, 0, ModbusValueType.UInt16, ModbusWordOrder.HighFirst, 1, 0)],
            new ModbusGuardModel(new IPEndPoint(IPAddress.Loopback, 0), new HashSet<byte> { 3 }, [new ModbusClientModel("hmi", IPAddress.Loopback, false)], []));
        var metrics = new ModbusMetrics();
        await using var guard = new ModbusGuard(device, new QuarantineList(), new EvidenceSink(new PipelineMetrics(), time), metrics, time);
        guard.Start();
        var idle = new List<Socket>(1000);
        var answered = 0;
        const int Requests = 200;
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var socket = Attacker(i);
                idle.Add(socket);
                try
                {
                    await socket.ConnectAsync(guard.LocalEndpoint, cancellationToken);
                }
                catch (SocketException)
                {
                    // reset at accept
                }
            }

            await using var hmi = new ModbusTcpClient("127.0.0.1", guard.LocalEndpoint.Port, 1, ModbusClientOptions.Default with { Timeout = TimeSpan.FromSeconds(2) }, time);
            for (var i = 0; i < Requests; i++)
            {
                try
                {
                    await hmi.ReadHoldingRegistersAsync(0, 1, cancellationToken);
                    answered++;
                }
                catch (ModbusException)
                {
                    // counted as unanswered
                }
            }
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }

        return new Dictionary<string, object>
        {
            ["idle_sockets"] = 1000,
            ["refused_at_accept"] = metrics.ConnectionsRefused,
            ["hmi_requests"] = Requests,
            ["hmi_answered"] = answered,
        };
    }

    private static async Task<List<double>> ConnectPublishLoopAsync(int port, Sequence seq, CancellationToken stop)
    {
        var latencies = new List<double>();
        var round = 0;
        while (!stop.IsCancellationRequested)
        {
            var began = Stopwatch.GetTimestamp();
            try
            {
                await ConnectPublishAsync(port, seq, $"bench-device-{round++}");
                latencies.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
            }
            catch (Exception ex) when (ex is MQTTnet.Adapter.MqttConnectingFailedException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                latencies.Add(double.PositiveInfinity); // refused or timed out: worse than any goal
            }

            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return latencies;
    }

    /// <summary>Refused connects with huge ids and idle sockets, from 1,000 addresses in turn, until stopped; returns how many.</summary>
    private static async Task<int> AttackLoopAsync(int port, CancellationToken stop)
    {
        var connect = RawMqttPackets.Connect(new string('i', 60_000), new string('u', 60_000), "x");
        var count = 0;
        var idle = new Queue<Socket>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var socket = Attacker(count++);
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), stop);
                    if (count % 2 == 0)
                    {
                        await socket.SendAsync(connect, stop);
                        socket.Dispose();
                    }
                    else
                    {
                        idle.Enqueue(socket); // held open until the connect timeout closes it
                        if (idle.Count > 1000)
                        {
                            idle.Dequeue().Dispose();
                        }
                    }
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    socket.Dispose();
                }
            }
        }
        finally
        {
            while (idle.TryDequeue(out var s))
            {
                s.Dispose();
            }
        }

        return count;
    }

    /// <summary>Phase 2: refused connects with <paramref name="idBytes"/>-long ids; returns how many were made.</summary>
    private static async Task<int> RefusedConnectsAsync(int port, int connects, int idBytes, CancellationToken cancellationToken)
    {
        var packet = RawMqttPackets.Connect(new string('i', idBytes), new string('u', idBytes), "x");
        var next = -1;
        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < connects)
            {
                using var socket = Attacker(i);
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                    await socket.SendAsync(packet, cancellationToken);
                    var buffer = new byte[16];
                    while (await socket.ReceiveAsync(buffer, cancellationToken) > 0)
                    {
                        // until the broker closes it
                    }
                }
                catch (SocketException)
                {
                    // reset: refused
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(WorkerAsync, cancellationToken)));
        return connects;
    }

    private static Socket Attacker(int i)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { LingerState = new LingerOption(true, 0) };
        socket.Bind(new IPEndPoint(new IPAddress([127, 2, (byte)(i / 250 % 250), (byte)(1 + (i % 250))]), 0));
        return socket;
    }

    private static MqttClientOptions Options(int port, string clientId) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", port)
        .WithCredentials(Device, Password)
        .WithClientId(clientId)
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
        .WithTimeout(TimeSpan.FromSeconds(5))
        .Build();

    private static string Reading(long seq, double level) =>
        string.Create(CultureInfo.InvariantCulture, $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"level":{{{level}}}}}""");

    private static long ResidentSet(bool collect = true)
    {
        if (collect)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 1);

    private static long DataSize(string dataDir) =>
        new DirectoryInfo(dataDir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    /// <summary>Sequence numbers for the device's readings, increasing across phases.</summary>
    private sealed class Sequence
    {
        private long _value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        public long Next() => Interlocked.Increment(ref _value);
    }
}
