using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench ingest</c>: readings per second and arrival-to-finding latency, (1) through the embedded broker
/// with an external publisher (<c>mosquitto_pub -l</c>), (2) through gate, validation and detection alone, and (3) for
/// comparison, mosquitto itself delivering the same lines from <c>mosquitto_pub</c> to one <c>mosquitto_sub</c>.
/// </summary>
/// <remarks>
/// The bench plant has one asset of four signals whose periods and flood factor allow any rate: the point is the cost of
/// the path, not the flood guard. One message in a hundred carries an out-of-range value, so that latency to a finding
/// is measured on real findings; every message's latency to the end of its validation is measured too.
/// </remarks>
internal static partial class IngestBenchmark
{
    private const int Messages = 200_000;
    private const int OutOfRangeEvery = 100;

    // Latency is measured below saturation (queueing delay at saturation says nothing about the path itself).
    private const int PacedMessages = 50_000;

    /// <summary>Messages of each measurement in a <c>--quick</c> run.</summary>
    private const int QuickMessages = 5_000;
    private const double PacedRate = 10_000;

    /// <summary>Messages published through a broker before its measurement (MQTTnet's path compiled, not measured).</summary>
    private const int BrokerWarmUpMessages = 20_000;
    private const string Device = "bench-pub";
    private const string Password = "bench-password";

    public static ProductBenchmark Create() => new("ingest",
        "Readings/s and arrival-to-finding latency: via the embedded broker (mosquitto_pub), via the pipeline alone, and mosquitto's own delivery rate", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        var messages = context.Size(Messages, QuickMessages);
        var lines = MessageLines(messages);
        var paced = await MeasurePipelineAloneAsync(MessageLines(context.Size(PacedMessages, QuickMessages)), ct, PacedRate);
        var pipeline = await MeasurePipelineAloneAsync(lines, ct);
        var broker = await MeasureThroughBrokerAsync(lines, ct);
        var mosquitto = await MeasureMosquittoAsync(lines, ct);
        var mqttnet = await MeasureMqttnetAloneAsync(lines, ct);
        var publisher = await MeasurePublisherAloneAsync(lines, ct);
        var result = new
        {
            messages,
            quick = context.Quick,
            readings_per_message = 4,
            pipeline_alone_saturated = pipeline,
            pipeline_alone_paced = paced,
            paced_rate_msgs_per_s = PacedRate,
            embedded_broker_with_mosquitto_pub = broker,
            peer_mosquitto_pub_to_mosquitto_sub = mosquitto,
            ratio_broker_to_mosquitto = broker is { } b && mosquitto is { } m ? b.MessagesPerSecond / m.MessagesPerSecond : (double?)null,
            mqttnet_alone_with_mosquitto_pub = mqttnet,
            ratio_mqttnet_alone_to_mosquitto = mqttnet is { } n && mosquitto is { } p ? n.MessagesPerSecond / p.MessagesPerSecond : (double?)null,
            publisher_alone_into_null_sink = publisher,
            ratio_publisher_alone_to_mosquitto = publisher is { } q && mosquitto is { } r ? q.MessagesPerSecond / r.MessagesPerSecond : (double?)null,
        };
        if (context.Json)
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            await context.Output.WriteLineAsync($"pipeline alone, paced:    {Describe(paced)} (offered {PacedRate:N0} msgs/s)");
            await context.Output.WriteLineAsync($"pipeline alone, flat out: {Describe(pipeline)}");
            await context.Output.WriteLineAsync($"embedded broker (mqtt):   {(broker is null ? "skipped: mosquitto_pub not installed" : Describe(broker))}");
            await context.Output.WriteLineAsync($"peer mosquitto pub->sub:  {(mosquitto is null ? "skipped: mosquitto not installed" : $"{mosquitto.MessagesPerSecond:N0} msgs/s")}");
            await context.Output.WriteLineAsync($"MQTTnet alone (counting):  {(mqttnet is null ? "skipped: mosquitto_pub not installed" : $"{mqttnet.MessagesPerSecond:N0} msgs/s; {mqttnet.CpuMicrosecondsPerMessage:0.0} us cpu and {mqttnet.AllocatedBytesPerMessage:N0} B allocated per message (whole process)")}");
            if (result.ratio_broker_to_mosquitto is { } ratio)
            {
                await context.Output.WriteLineAsync($"TwinGuard via MQTT / mosquitto delivery: {ratio:0.00}x");
            }

            if (result.ratio_mqttnet_alone_to_mosquitto is { } ceiling)
            {
                await context.Output.WriteLineAsync($"MQTTnet alone / mosquitto delivery: {ceiling:0.00}x (the ceiling of any broker built on MQTTnet)");
            }

            if (result.ratio_publisher_alone_to_mosquitto is { } sink)
            {
                await context.Output.WriteLineAsync($"mosquitto_pub into a null sink: {publisher!.MessagesPerSecond:N0} msgs/s, {sink:0.00}x mosquitto delivery (the ceiling of this benchmark's publisher)");
            }
        }

        return 0;
    }

    private static string Describe(IngestRun r) =>
        $"{r.MessagesPerSecond:N0} msgs/s ({r.ReadingsPerSecond:N0} readings/s); arrival->validated p50 {r.ValidatedP50Ms:0.000} ms p99 {r.ValidatedP99Ms:0.000} ms; arrival->finding p50 {r.FindingP50Ms:0.000} ms p99 {r.FindingP99Ms:0.000} ms ({r.Findings} findings); {r.CpuMicrosecondsPerMessage:0.0} us cpu and {r.AllocatedBytesPerMessage:N0} B allocated per message (whole process); GC ({r.GarbageCollections.Mode}) {r.GarbageCollections.Gen0}/{r.GarbageCollections.Gen1}/{r.GarbageCollections.Gen2} of gen 0/1/2, {r.GarbageCollections.PauseMs:0.0} ms paused; a thread-pool hop waited p50 {r.ThreadPoolHop.P50Ms:0.000} ms p99 {r.ThreadPoolHop.P99Ms:0.000} ms";

    private static async Task<IngestRun> MeasurePipelineAloneAsync(string[] lines, CancellationToken ct, double? pacedRate = null)
    {
        await using var site = await StartSiteAsync(ct);
        var gate = site.Services.GetRequiredService<ReadingGate>();
        var metrics = site.Services.GetRequiredService<PipelineMetrics>();
        var source = new SourceInfo(gate.Plant.FindDevice(Device)!, "bench", "127.0.0.1:0");
        var payloads = lines.Select(l => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(l)).ToArray();

        // Warm-up: activate the grain and JIT the path, then measure fresh counters.
        await WarmUpAsync(gate, source, metrics, ct);
        var before = Snapshot(metrics);
        var cost = ProcessCost.Start();
        await using var probe = HopProbe.Start();
        var clock = Stopwatch.StartNew();
        // The producer runs on its own thread, as a transport's connection would: a thread-pool thread spinning to
        // pace messages would starve the pool the pipeline itself runs on, and measure that instead of the path.
        await Task.Factory.StartNew(
            () =>
            {
                for (var i = 0; i < payloads.Length; i++)
                {
                    if (pacedRate is { } rate)
                    {
                        // Spin until this message is due: a sleep would round to the scheduler's millisecond.
                        var due = i / rate;
                        while (clock.Elapsed.TotalSeconds < due)
                        {
                            Thread.SpinWait(20);
                        }
                    }

                    var admitted = gate.AdmitAsync(source, "plant/bench", payloads[i], Stopwatch.GetTimestamp());
                    if (!admitted.IsCompletedSuccessfully)
                    {
                        admitted.AsTask().GetAwaiter().GetResult(); // back-pressure from a full lane
                    }
                }
            },
            ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        await WaitForAsync(() => metrics.ArrivalToTwin.Count >= lines.Length, TimeSpan.FromMinutes(2), ct);
        var result = Result(metrics, before, lines.Length, clock.Elapsed, cost, await probe.StopAsync());
        await site.StopAsync(CancellationToken.None);
        return result;
    }

    private static async Task<IngestRun?> MeasureThroughBrokerAsync(string[] lines, CancellationToken ct)
    {
        if (!OnPath("mosquitto_pub"))
        {
            return null;
        }

        await using var site = await StartSiteAsync(ct);
        var settings = site.Services.GetRequiredService<HostSettings>();
        var metrics = site.Services.GetRequiredService<PipelineMetrics>();
        await WarmUpAsync(site.Services.GetRequiredService<ReadingGate>(), new SourceInfo(settings.Plant.FindDevice(Device)!, "warm", null), metrics, ct);

        // And through the broker: MQTTnet's receive path and the interception are compiled (tiered up) here, not inside the
        // measured seconds; mosquitto, compiled ahead of time, needs no such warm-up.
        var warm = WarmUpLines(lines.Length);
        await RunPublisherAsync(settings.Broker.Port, Device, Password, warm, ct);
        await WaitForAsync(() => metrics.ArrivalToTwin.Count >= warm.Length, TimeSpan.FromMinutes(1), ct);
        metrics.ArrivalToTwin.Reset();
        metrics.ArrivalToFinding.Reset();
        var before = Snapshot(metrics);
        var cost = ProcessCost.Start();
        await using var probe = HopProbe.Start();
        var clock = Stopwatch.StartNew();
        await RunPublisherAsync(settings.Broker.Port, Device, Password, lines, ct);
        await WaitForAsync(() => metrics.ArrivalToTwin.Count >= lines.Length, TimeSpan.FromMinutes(2), ct);
        var result = Result(metrics, before, lines.Length, clock.Elapsed, cost, await probe.StopAsync());
        await site.StopAsync(CancellationToken.None);
        return result;
    }

    private static async Task<PeerRun?> MeasureMosquittoAsync(string[] lines, CancellationToken ct)
    {
        if (!OnPath("mosquitto") || !OnPath("mosquitto_sub") || !OnPath("mosquitto_pub"))
        {
            return null;
        }

        // As ../shared/peers/mqtt/mosquitto-bench.conf: loopback, anonymous, no persistence, unlimited queue.
        using var broker = await MosquittoPeer.StartAsync(Path.GetTempPath(), 1,
            ports => $"listener {ports[0]} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n", ct);
        var port = broker.Ports[0];
        using var subscriber = Process.Start(new ProcessStartInfo("mosquitto_sub",
            ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "plant/bench", "-C", lines.Length.ToString(CultureInfo.InvariantCulture), "-i", "bench-sub"])
        { RedirectStandardOutput = true })!;
        var drained = subscriber.StandardOutput.BaseStream.CopyToAsync(Stream.Null, ct);
        await Task.Delay(300, ct); // the subscription must be in place before the first publish
        var clock = Stopwatch.StartNew();
        await RunPublisherAsync(port, null, null, lines, ct);
        await subscriber.WaitForExitAsync(ct);
        await drained;
        return new PeerRun(lines.Length / clock.Elapsed.TotalSeconds);
    }

    private static async Task RunPublisherAsync(int port, string? user, string? password, string[] lines, CancellationToken ct)
    {
        var args = new List<string> { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-q", "0", "-t", "plant/bench", "-l", "-i", "bench-pub-" + port };
        if (user is not null)
        {
            args.AddRange(["-u", user, "-P", password!]);
        }

        using var publisher = Process.Start(new ProcessStartInfo("mosquitto_pub", args) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true })!;
        var discarded = publisher.StandardOutput.BaseStream.CopyToAsync(Stream.Null, ct); // whatever it prints stays off our stdout (--json)
        var input = publisher.StandardInput;
        foreach (var line in lines)
        {
            await input.WriteLineAsync(line.AsMemory(), ct);
        }

        input.Close();
        await publisher.WaitForExitAsync(ct);
        await discarded;
        if (publisher.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_pub failed: {await publisher.StandardError.ReadToEndAsync(ct)}");
        }
    }

    private static async Task<WebApplication> StartSiteAsync(CancellationToken ct)
    {
        var plant = BenchPlant();
        var dataDirectory = Directory.CreateTempSubdirectory("twinguard-bench-ingest-").FullName;
        // Its ledger key stays with its throw-away data (not one more in the user's configuration per run).
        var (app, _) = await LoopbackSite.StartAsync(
            () => LoopbackSite.Settings(plant, dataDirectory) with { LedgerKey = LedgerKeyLocations.ForRun(dataDirectory) },
            built => built.StartAsync(ct));
        return app;
    }

    private static async Task WarmUpAsync(ReadingGate gate, SourceInfo source, PipelineMetrics metrics, CancellationToken ct)
    {
        var warm = MessageLines(2000, firstSeq: 0);
        foreach (var line in warm)
        {
            await gate.AdmitAsync(source, "plant/bench", Encoding.UTF8.GetBytes(line), Stopwatch.GetTimestamp());
        }

        await WaitForAsync(() => metrics.ArrivalToTwin.Count >= warm.Length, TimeSpan.FromMinutes(1), ct);
        metrics.ArrivalToTwin.Reset();
        metrics.ArrivalToFinding.Reset();
    }

    /// <summary>What a broker is warmed up with: sequence numbers below the measured ones, at most as many.</summary>
    private static string[] WarmUpLines(int measured) => MessageLines(Math.Min(BrokerWarmUpMessages, measured), firstSeq: 500_000);

    /// <summary>Readings with a current timestamp and increasing sequence; one in a hundred out of range.</summary>
    private static string[] MessageLines(int count, long firstSeq = 1_000_000)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var random = new Random(42);
        return Enumerable.Range(0, count).Select(i =>
        {
            var a = i % OutOfRangeEvery == OutOfRangeEvery - 1 ? 250.0 : 50 + random.NextDouble();
            return string.Create(CultureInfo.InvariantCulture,
                $$$"""{"ts":{{{now}}},"seq":{{{firstSeq + i}}},"values":{"a":{{{a:F3}}},"b":{{{20 + random.NextDouble():F3}}},"c":{{{5 + random.NextDouble():F3}}},"d":{{{0.5 + (random.NextDouble() / 10):F4}}}}}""");
        }).ToArray();
    }

    internal static PlantModel BenchPlant()
    {
        var signals = new[] { "a", "b", "c", "d" }
            .Select(id => new SignalModel(id, "u", 0, 100, 1e9, TimeSpan.FromMilliseconds(1), Criticality.Medium))
            .ToList();
        return new PlantModel(
            new SiteModel("bench", "Benchmark site", "plant"),
            ValidationSettings.Default with { MaxPastSkew = TimeSpan.FromHours(1), FloodFactor = 1e6, FrozenSamples = int.MaxValue },
            DetectionSettings.Default,
            CorrelationSettings.Default,
            [new AssetModel("bench", "Benchmark asset", "bench", [], signals)],
            [new DeviceModel(Device, Device, PasswordHash.Create(Password, 1000), ["plant/#"])],
            []);
    }

    private static (long Twin, long Findings) Snapshot(PipelineMetrics m) => (m.ArrivalToTwin.Count, m.Findings);

    private static IngestRun Result(PipelineMetrics m, (long Twin, long Findings) before, int messages, TimeSpan elapsed, ProcessCost cost, HopWaits hops) => new(
        messages / elapsed.TotalSeconds,
        4 * messages / elapsed.TotalSeconds,
        m.ArrivalToTwin.Percentile(0.5).TotalMilliseconds,
        m.ArrivalToTwin.Percentile(0.99).TotalMilliseconds,
        m.ArrivalToFinding.Percentile(0.5).TotalMilliseconds,
        m.ArrivalToFinding.Percentile(0.99).TotalMilliseconds,
        m.Findings - before.Findings,
        cost.CpuMicrosecondsPer(messages),
        cost.AllocatedBytesPer(messages),
        cost.Collected(),
        hops);

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException("the pipeline did not process every benchmark message in time");
            }

            await Task.Delay(5, ct);
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, program)));


    private sealed record IngestRun(
        double MessagesPerSecond,
        double ReadingsPerSecond,
        double ValidatedP50Ms,
        double ValidatedP99Ms,
        double FindingP50Ms,
        double FindingP99Ms,
        long Findings,
        double CpuMicrosecondsPerMessage,
        double AllocatedBytesPerMessage,
        GcCost GarbageCollections,
        HopWaits ThreadPoolHop);

    private sealed record PeerRun(double MessagesPerSecond)
    {
        /// <summary>This process's CPU time per message, when the server measured runs in it (MQTTnet alone).</summary>
        public double? CpuMicrosecondsPerMessage { get; init; }

        /// <summary>This process's allocation per message, when the server measured runs in it.</summary>
        public double? AllocatedBytesPerMessage { get; init; }
    }
}
