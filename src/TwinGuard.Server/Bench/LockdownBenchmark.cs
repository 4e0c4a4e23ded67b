using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MQTTnet;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench lockdown</c>: from a finding to the device being disconnected and refused, on the embedded broker,
/// through the whole serve host (record stage, correlator, incident, playbook, quarantine, broker disconnect).
/// </summary>
/// <remarks>
/// Each trial: an MQTT 3.1.1 client (raw socket, <see cref="RawMqttPackets"/>) is connected as <c>loop-plc</c>; a critical
/// finding about it is handed to the evidence sink (the clock starts); the clock stops when the client's socket sees the
/// broker drop its connection (a thread of its own blocks on it: see <see cref="WatchForDrop"/>), and the quarantine is
/// checked to be in force at that moment. Trials alternate between two ways of seeing the drop, reported apart: the
/// goal's, a socket that never left blocking mode, whose reading thread the kernel wakes as the FIN arrives; and an
/// ordinary .NET client's, a socket that has done asynchronous I/O, whose read the runtime emulates: the kernel wakes
/// the runtime's socket-engine thread, which wakes the reader (two threads to schedule, on 2 cores, before the stamp). Every tenth trial also checks that a reconnection is refused. Then the
/// quarantine is released through the engine and the client reconnects for the next trial. Findings are dated one
/// correlation window apart, so each opens its own incident. The trials run twice: on an idle site, then while
/// <see cref="BackgroundIngest"/> feeds the site 10k msgs/s. Goal (DESIGN.md): under 1 ms at p99 while ingesting 10k msgs/s.
/// <para>Three figures per trial, all from the moment the finding is raised. <b>FIN on the wire</b>, the product's part:
/// the kernel's timestamp of the broker's FIN (or RST) to the device's port, taken by <see cref="WireTap"/> as a NIC
/// would send it; in a plant the device is another machine, and the broker's work is done there. <b>Refused</b>: the
/// moment the quarantine list holds the device, from which the broker's CONNECT check refuses it (checked with a real
/// reconnection every tenth trial). <b>As the device sees it</b>: the device's read returning, which on this host
/// adds the kernel giving the bench's reading thread a core (on 2 cores shared with the broker and the ingest).</para>
/// </remarks>
internal static class LockdownBenchmark
{
    private const string Device = "loop-plc";
    private const int Warmup = 20;
    private const int Trials = 300; // per way of reading
    private const double IngestRate = 10_000;

    public static ProductBenchmark Create() => new("lockdown", "Finding -> device disconnected and refused at the embedded broker (p50/p99), idle and while ingesting 10k msgs/s", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var plant = BackgroundIngest.AddTo(PlantModelLoader.Load(Commands.DemoCommand.SamplePlantPath()));
        // Every trial logs the device in again: with the sample's deliberately slow PBKDF2 (600,000 rounds) that login,
        // not the containment measured, set the bench's pace, and on a loaded machine it outlasted the CONNACK timeout.
        plant = plant with
        {
            Devices = [.. plant.Devices.Select(d => d.Id == Device ? d with { PasswordHash = PasswordHash.Create("demo-" + Device, 1000) } : d)],
        };
        var plan = PlaybookLoader.Parse(
            """
            playbooks:
              - id: contain
                trigger: { kind: critical, devices: [loop-plc] }
                actions:
                  - quarantine: source
                  - disconnect: device
            """,
            plant,
            "bench-playbooks.yaml");
        var dataDir = Directory.CreateTempSubdirectory("twinguard-bench-lockdown-").FullName;
        var (warmup, trials) = (context.Size(Warmup, 5), context.Size(Trials, 30));
        var latencies = new List<double>(Trials);
        var engineLatencies = new List<double>(Trials);
        var toIncident = new List<double>(Trials);
        var ingesting = new List<double>(Trials);
        var ingestingToIncident = new List<double>(Trials);
        var (idleSteps, ingestingSteps) = (new LockdownSteps(), new LockdownSteps());
        var (idleRuntime, ingestingRuntime) = (new LockdownSteps(), new LockdownSteps());
        var (idleToFin, ingestingToFin) = (new LockdownSteps(LockdownSteps.ToFin), new LockdownSteps(LockdownSteps.ToFin));
        var (shutdownCall, ingestingShutdownCall) = (new List<double>(2 * Trials), new List<double>(2 * Trials));
        var ingestedRate = 0.0;
        var refusedChecks = 0;
        // Per phase, over the trials of both ways of reading (the product does not know how its client reads).
        var (wire, ingestingWire) = (new List<double>(2 * Trials), new List<double>(2 * Trials));
        var (refused, ingestingRefused) = (new List<double>(2 * Trials), new List<double>(2 * Trials));
        var (wireToDrop, ingestingWireToDrop) = (new List<double>(Trials), new List<double>(Trials));
        var wireMissing = 0;
        string? tapProblem = null;
        try
        {
            // Started on free ports, again on new ones if one was taken meanwhile (CI runs this beside other processes).
            long admittedAt = 0, incidentAt = 0;
            var (started, settings) = await LoopbackSite.StartAsync(
                () => LoopbackSite.Settings(plant, dataDir) with { Response = plan, LedgerKey = LedgerKeyLocations.ForRun(dataDir) },
                built =>
                {
                    // Before the start, so that these run before the respond engine's handlers (which it adds as it
                    // starts) and stamp the moment the correlate stage announces, not the moment the engine's inline
                    // containment returns.
                    var correlate = built.Services.GetRequiredService<TwinGuard.Twins.Correlate.CorrelateStage>();
                    correlate.FindingAdmitted += (_, f) =>
                    {
                        if (f.DeviceId == Device)
                        {
                            admittedAt = Stopwatch.GetTimestamp();
                        }
                    };
                    correlate.IncidentOpened += i =>
                    {
                        if (i.DeviceId == Device)
                        {
                            incidentAt = Stopwatch.GetTimestamp();
                        }
                    };
                    return built.StartAsync(cancellationToken);
                });
            await using var app = started;
            var evidence = app.Services.GetRequiredService<EvidenceSink>();
            var quarantine = app.Services.GetRequiredService<QuarantineList>();
            long refusedAt = 0;
            quarantine.ChangedLocally += (kind, target) =>
            {
                // From here the broker's CONNECT check (EmbeddedBroker.ValidateConnectionAsync) refuses the device.
                if (kind == QuarantineChangeKind.AddDevice && target == Device)
                {
                    refusedAt = Stopwatch.GetTimestamp();
                }
            };
            long disconnectCalledAt = 0, shutDownAt = 0;
            app.Services.GetRequiredService<EmbeddedBroker>().DeviceCut += (device, called, cut) =>
            {
                if (device == Device)
                {
                    (disconnectCalledAt, shutDownAt) = (called, cut);
                }
            };
            using var tap = WireTap.TryOpen(settings.Broker.Port, out tapProblem);
            var engine = app.Services.GetRequiredService<ResponseEngine>();
            double quarantined = double.NaN, cut = double.NaN;
            engine.ActionRecorded += a =>
            {
                // Both times run from the moment the engine heard of the incident (just after incidentAt).
                if (a.Action == "quarantine: source")
                {
                    quarantined = a.Elapsed.TotalMilliseconds;
                }
                else if (a.Action == "disconnect: device")
                {
                    cut = a.Elapsed.TotalMilliseconds;
                    lock (engineLatencies)
                    {
                        engineLatencies.Add(a.Elapsed.TotalMilliseconds);
                    }
                }
            };
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", settings.Broker.Port)
                .WithCredentials(Device, "demo-" + Device)
                .WithClientId("bench-" + Device)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
                .WithTimeout(TimeSpan.FromSeconds(5))
                .Build();
            var start = TimeProvider.System.GetUtcNow();
            var spacing = plant.Correlation.Window + TimeSpan.FromSeconds(1);
            BackgroundIngest? load = null;
            var perPhase = warmup + (2 * trials);
            for (var trial = 0; trial < 2 * perPhase; trial++)
            {
                var phase = trial < perPhase ? 0 : 1;
                var blocking = trial % 2 == 0;
                if (phase == 1 && load is null)
                {
                    load = BackgroundIngest.Start(app.Services.GetRequiredService<ReadingGate>(), IngestRate);
                }

                cancellationToken.ThrowIfCancellationRequested();
                using var client = blocking ? ConnectBlocking(settings.Broker.Port) : await ConnectAsync(settings.Broker.Port, cancellationToken);
                var devicePort = ((IPEndPoint)client.LocalEndPoint!).Port;
                tap?.Forget(devicePort);
                var dropped = WatchForDrop(client);
                (admittedAt, incidentAt, quarantined, cut, refusedAt, disconnectCalledAt, shutDownAt) = (0, 0, double.NaN, double.NaN, 0, 0, 0);
                var (collections, paused, allocated) = (GC.CollectionCount(0), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: true));

                var began = Stopwatch.GetTimestamp();
                var beganOnKernelClock = WireTap.UnixNanosecondsNow();
                evidence.Raise(new Finding(start + (spacing * trial), ReasonCode.RelationViolated, Severity.Critical, "pump1", "flow", Device, 0, 99,
                    "bench: flow breaks its relation") { ArrivalTimestamp = began });
                var ended = await dropped.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                var finOnWire = double.NaN;
                if (tap is not null)
                {
                    if (tap.TryGetEnd(devicePort, TimeSpan.FromSeconds(1), out var finAt))
                    {
                        finOnWire = (finAt - beganOnKernelClock) / 1e6;
                    }
                    else if (trial % perPhase >= warmup)
                    {
                        wireMissing++;
                    }
                }

                var gc = (Count: GC.CollectionCount(0) - collections, Paused: GC.GetTotalPauseDuration() - paused, Allocated: GC.GetTotalAllocatedBytes(precise: true) - allocated);
                if (!quarantine.IsDeviceQuarantined(Device))
                {
                    throw new InvalidOperationException($"trial {trial}: disconnected but not quarantined");
                }

                if (trial % 10 == 0)
                {
                    await AssertRefusedAsync(options, cancellationToken);
                    refusedChecks++;
                }

                if (!await engine.ReleaseAsync(QuarantineKind.Source, Device, "bench", "next trial", cancellationToken))
                {
                    throw new InvalidOperationException($"trial {trial}: no quarantine stored");
                }

                // The engine's records of this trial's actions were written before the release ran (one queue).
                if (trial % perPhase >= warmup)
                {
                    var total = Stopwatch.GetElapsedTime(began, ended).TotalMilliseconds;
                    var admitted = Stopwatch.GetElapsedTime(began, admittedAt).TotalMilliseconds;
                    var opened = Stopwatch.GetElapsedTime(began, incidentAt).TotalMilliseconds;
                    if (blocking)
                    {
                        (phase == 0 ? latencies : ingesting).Add(total);
                        if (!double.IsNaN(finOnWire))
                        {
                            (phase == 0 ? wireToDrop : ingestingWireToDrop).Add(total - finOnWire);
                        }
                    }

                    var refusedMs = Stopwatch.GetElapsedTime(began, refusedAt).TotalMilliseconds;
                    if (!double.IsNaN(finOnWire))
                    {
                        (phase == 0 ? wire : ingestingWire).Add(finOnWire);
                        var called = Stopwatch.GetElapsedTime(began, disconnectCalledAt).TotalMilliseconds;
                        (phase == 0 ? idleToFin : ingestingToFin).Add(
                            [admitted, opened - admitted, refusedMs - opened, called - refusedMs, finOnWire - called, finOnWire],
                            gc.Count,
                            gc.Paused.TotalMilliseconds,
                            gc.Allocated,
                            trial);
                        (phase == 0 ? shutdownCall : ingestingShutdownCall).Add(Stopwatch.GetElapsedTime(disconnectCalledAt, shutDownAt).TotalMilliseconds);
                    }

                    (phase == 0 ? refused : ingestingRefused).Add(refusedMs);

                    (phase == 0 ? toIncident : ingestingToIncident).Add(opened);
                    (blocking ? (phase == 0 ? idleSteps : ingestingSteps) : (phase == 0 ? idleRuntime : ingestingRuntime)).Add(
                        [admitted, opened - admitted, quarantined, cut - quarantined, total - opened - cut, total],
                        gc.Count,
                        gc.Paused.TotalMilliseconds,
                        gc.Allocated,
                        trial);
                }
            }

            if (load is not null)
            {
                ingestedRate = load.Rate;
                await load.DisposeAsync();
            }

            await app.StopAsync(CancellationToken.None);
        }
        finally
        {
            TryDelete(dataDir);
        }

        latencies.Sort();
        engineLatencies.Sort();
        toIncident.Sort();
        ingesting.Sort();
        ingestingToIncident.Sort();
        double Rounded(List<double> values, double p) => Math.Round(Percentile(values, p), 3);
        var result = new Dictionary<string, object>
        {
            ["benchmark"] = "lockdown",
            ["wire_trials"] = wire.Count,
            ["wire_fin_p50_ms"] = Rounded(wire, 0.50),
            ["wire_fin_p99_ms"] = Rounded(wire, 0.99),
            ["wire_fin_max_ms"] = Rounded(wire, 1.0),
            ["refused_p50_ms"] = Rounded(refused, 0.50),
            ["refused_p99_ms"] = Rounded(refused, 0.99),
            ["while_ingesting_wire_trials"] = ingestingWire.Count,
            ["while_ingesting_wire_fin_p50_ms"] = Rounded(ingestingWire, 0.50),
            ["while_ingesting_wire_fin_p99_ms"] = Rounded(ingestingWire, 0.99),
            ["while_ingesting_wire_fin_max_ms"] = Rounded(ingestingWire, 1.0),
            ["while_ingesting_refused_p50_ms"] = Rounded(ingestingRefused, 0.50),
            ["while_ingesting_refused_p99_ms"] = Rounded(ingestingRefused, 0.99),
            ["wire_to_device_read_p50_p90_p99_ms"] = new[] { Rounded(wireToDrop, 0.5), Rounded(wireToDrop, 0.9), Rounded(wireToDrop, 0.99) },
            ["while_ingesting_wire_to_device_read_p50_p90_p99_ms"] = new[] { Rounded(ingestingWireToDrop, 0.5), Rounded(ingestingWireToDrop, 0.9), Rounded(ingestingWireToDrop, 0.99) },
            ["wire_missing"] = wireMissing,
            ["wire_tap"] = tapProblem ?? "AF_PACKET on lo, SO_TIMESTAMPNS",
            ["trials"] = latencies.Count,
            ["p50_ms"] = Math.Round(Percentile(latencies, 0.50), 3),
            ["p99_ms"] = Math.Round(Percentile(latencies, 0.99), 3),
            ["max_ms"] = Math.Round(latencies[^1], 3),
            ["finding_to_incident_p50_ms"] = Math.Round(Percentile(toIncident, 0.50), 3),
            ["finding_to_incident_p99_ms"] = Math.Round(Percentile(toIncident, 0.99), 3),
            ["engine_p50_ms"] = Math.Round(Percentile(engineLatencies, 0.50), 3),
            ["engine_p99_ms"] = Math.Round(Percentile(engineLatencies, 0.99), 3),
            ["reconnects_refused"] = refusedChecks,
            ["while_ingesting_msgs_per_s"] = Math.Round(ingestedRate),
            ["while_ingesting_p50_ms"] = Math.Round(Percentile(ingesting, 0.50), 3),
            ["while_ingesting_p99_ms"] = Math.Round(Percentile(ingesting, 0.99), 3),
            ["while_ingesting_max_ms"] = Math.Round(ingesting[^1], 3),
            ["while_ingesting_finding_to_incident_p99_ms"] = Math.Round(Percentile(ingestingToIncident, 0.99), 3),
            ["steps_to_fin_idle_p50_p90_p99_max_ms"] = idleToFin.Summary(),
            ["steps_to_fin_while_ingesting_p50_p90_p99_max_ms"] = ingestingToFin.Summary(),
            ["disconnect_called_to_shutdown_returned_p50_p99_ms"] = new[] { Rounded(shutdownCall, 0.5), Rounded(shutdownCall, 0.99) },
            ["while_ingesting_disconnect_called_to_shutdown_returned_p50_p99_ms"] = new[] { Rounded(ingestingShutdownCall, 0.5), Rounded(ingestingShutdownCall, 0.99) },
            ["steps_idle_p50_p90_p99_max_ms"] = idleSteps.Summary(),
            ["steps_while_ingesting_p50_p90_p99_max_ms"] = ingestingSteps.Summary(),
            ["runtime_read_p50_ms"] = Math.Round(idleRuntime.Percentile(LockdownSteps.ToDeviceRead.Length - 1, 0.50), 3),
            ["runtime_read_p99_ms"] = Math.Round(idleRuntime.Percentile(LockdownSteps.ToDeviceRead.Length - 1, 0.99), 3),
            ["runtime_read_while_ingesting_p50_ms"] = Math.Round(ingestingRuntime.Percentile(LockdownSteps.ToDeviceRead.Length - 1, 0.50), 3),
            ["runtime_read_while_ingesting_p99_ms"] = Math.Round(ingestingRuntime.Percentile(LockdownSteps.ToDeviceRead.Length - 1, 0.99), 3),
            ["steps_runtime_read_idle_p50_p90_p99_max_ms"] = idleRuntime.Summary(),
            ["steps_runtime_read_while_ingesting_p50_p90_p99_max_ms"] = ingestingRuntime.Summary(),
            ["trials_with_gc_idle"] = idleSteps.WithCollection,
            ["trials_with_gc_while_ingesting"] = ingestingSteps.WithCollection,
            ["allocated_bytes_per_trial_idle_median"] = Math.Round(idleSteps.MedianAllocatedBytes),
            ["gc"] = $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, {System.Runtime.GCSettings.LatencyMode}",
            ["goal_p99_ms"] = 1,
            ["load_average_1m"] = LoadAverage(),
        };
        if (context.Json)
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(result));
        }
        else
        {
            await context.Output.WriteLineAsync(tapProblem is not null
                ? $"lockdown: no wire figures ({tapProblem}); the device-observed figures follow"
                : string.Create(CultureInfo.InvariantCulture,
                    $"lockdown, the product's part: finding raised -> the broker's FIN on the wire (kernel timestamp on lo), {wire.Count} trials: p50 {result["wire_fin_p50_ms"]} ms, p99 {result["wire_fin_p99_ms"]} ms, max {result["wire_fin_max_ms"]} ms; while ingesting, {ingestingWire.Count} trials: p50 {result["while_ingesting_wire_fin_p50_ms"]} ms, p99 {result["while_ingesting_wire_fin_p99_ms"]} ms, max {result["while_ingesting_wire_fin_max_ms"]} ms{(wireMissing > 0 ? $" ({wireMissing} trials without a captured FIN)" : "")}"));
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  finding raised -> refused at the broker (the quarantine list holds the device; its CONNECT check refuses from then): p50 {result["refused_p50_ms"]} ms, p99 {result["refused_p99_ms"]} ms; while ingesting p50 {result["while_ingesting_refused_p50_ms"]} ms, p99 {result["while_ingesting_refused_p99_ms"]} ms"));
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"lockdown as the device sees it: finding -> the device's blocking read returns (in this host: includes waking that thread), {latencies.Count} trials: p50 {result["p50_ms"]} ms, p99 {result["p99_ms"]} ms, max {result["max_ms"]} ms (goal p99 < 1 ms while ingesting; load average {result["load_average_1m"]})"));
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  while ingesting {result["while_ingesting_msgs_per_s"]} msgs/s: p50 {result["while_ingesting_p50_ms"]} ms, p99 {result["while_ingesting_p99_ms"]} ms, max {result["while_ingesting_max_ms"]} ms"));
            await context.Output.WriteLineAsync(
                $"  FIN on the wire -> the device's read returns (the in-host reader's wake-up), p50 / p90 / p99 ms: idle {string.Join(" / ", (double[])result["wire_to_device_read_p50_p90_p99_ms"])}; while ingesting {string.Join(" / ", (double[])result["while_ingesting_wire_to_device_read_p50_p90_p99_ms"])}");
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  the same seen through a .NET async-mode socket (runtime's socket engine, then the reader), {idleRuntime.Count} trials each: idle p50 {result["runtime_read_p50_ms"]} ms, p99 {result["runtime_read_p99_ms"]} ms; while ingesting p50 {result["runtime_read_while_ingesting_p50_ms"]} ms, p99 {result["runtime_read_while_ingesting_p99_ms"]} ms"));
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  finding -> incident opened (correlate stage): p50 {result["finding_to_incident_p50_ms"]} ms, p99 {result["finding_to_incident_p99_ms"]} ms\n  inside the engine (incident -> disconnect done): p50 {result["engine_p50_ms"]} ms, p99 {result["engine_p99_ms"]} ms; reconnection refused in {refusedChecks}/{refusedChecks} checks; GC {result["gc"]}"));
            if (tapProblem is null)
            {
                await context.Output.WriteAsync(idleToFin.Table("idle, to the FIN on the wire"));
                await context.Output.WriteAsync(ingestingToFin.Table("while ingesting, to the FIN on the wire"));
                await context.Output.WriteLineAsync(
                    $"  disconnect called -> its socket shutdowns returned (the FIN leaves inside), p50 / p99 ms: idle {string.Join(" / ", (double[])result["disconnect_called_to_shutdown_returned_p50_p99_ms"])}; while ingesting {string.Join(" / ", (double[])result["while_ingesting_disconnect_called_to_shutdown_returned_p50_p99_ms"])}");
            }

            await context.Output.WriteAsync(idleSteps.Table("idle, the device's blocking read"));
            await context.Output.WriteAsync(ingestingSteps.Table("while ingesting, the device's blocking read"));
            await context.Output.WriteAsync(idleRuntime.Table("idle, a .NET async-mode socket's read (through the runtime's socket engine)"));
            await context.Output.WriteAsync(ingestingRuntime.Table("while ingesting, a .NET async-mode socket's read (through the runtime's socket engine)"));
        }

        return 0;
    }

    /// <summary>
    /// Logs in as the device with a raw MQTT 3.1.1 client on a socket that only ever does blocking I/O: .NET leaves its
    /// descriptor in blocking mode, so <see cref="WatchForDrop"/>'s read sleeps in the kernel and is woken by the FIN.
    /// </summary>
    private static Socket ConnectBlocking(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10_000 };
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            socket.Send(RawMqttPackets.Connect("bench-" + Device, Device, "demo-" + Device));
            var connack = new byte[4];
            for (var read = 0; read < connack.Length;)
            {
                var n = socket.Receive(connack, read, connack.Length - read, SocketFlags.None);
                read += n > 0 ? n : throw new InvalidOperationException("the broker closed the connection before its CONNACK");
            }

            return Accepted(connack) ? socket : throw new InvalidOperationException($"CONNACK refused: return code {connack[3]}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // MQTT 3.1.1 §3.2: CONNACK is 0x20, remaining length 2, flags, return code (0 accepted).
    private static bool Accepted(byte[] connack) => connack is [0x20, 0x02, _, 0x00];

    /// <summary>
    /// Logs in as the device with a raw MQTT 3.1.1 client through asynchronous calls, as an ordinary .NET client would:
    /// from then on the runtime keeps the descriptor non-blocking and emulates a synchronous read (its socket-engine
    /// thread waits in <c>epoll</c> and wakes the reader).
    /// </summary>
    private static async Task<Socket> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            await socket.SendAsync(RawMqttPackets.Connect("bench-" + Device, Device, "demo-" + Device), cancellationToken);
            var connack = new byte[4];
            for (var read = 0; read < connack.Length;)
            {
                var n = await socket.ReceiveAsync(connack.AsMemory(read), cancellationToken);
                read += n > 0 ? n : throw new InvalidOperationException("the broker closed the connection before its CONNACK");
            }

            return Accepted(connack) ? socket : throw new InvalidOperationException($"CONNACK refused: return code {connack[3]}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// When the broker ends the connection, as its client sees it: a thread of its own blocks on the socket, so the clock
    /// stops when the kernel hands over the end of the stream, not when a thread-pool thread (busy with the ingest the
    /// trial runs beside) gets round to a client library's receive loop. The broker says nothing before it closes a 3.1.1
    /// connection, so the read returns 0 bytes at the drop. On a socket from <see cref="ConnectBlocking"/> the read is
    /// the kernel's own (one wake-up); on one from <see cref="ConnectAsync"/> the runtime emulates it (two).
    /// </summary>
    private static Task<long> WatchForDrop(Socket client)
    {
        using var watching = new ManualResetEventSlim();
        var thread = 0;
        var dropped = Task.Factory.StartNew(
            () =>
            {
                var buffer = new byte[256];
                thread = NativeThreadId();
                watching.Set();
                try
                {
                    while (client.Receive(buffer) > 0)
                    {
                    }
                }
                catch (SocketException)
                {
                    // Reset rather than closed: dropped all the same.
                }

                return Stopwatch.GetTimestamp();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        // The thread must be asleep in its read before the clock starts: a thread still on its way when the broker cuts
        // the connection stamps the drop when it gets a core, which is the bench's own start-up, not the product's (a
        // scheduler trace at load 90 found 42 of 65 watchers not yet asleep with a fixed millisecond's wait).
        watching.Wait();
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        do
        {
            Thread.Sleep(1);
        }
        while (!IsAsleep(thread) && Stopwatch.GetTimestamp() < deadline);

        return dropped;
    }

    /// <summary>The calling thread's id in the kernel (Linux: <c>/proc/thread-self</c> links to <c>PID/task/TID</c>); 0 elsewhere.</summary>
    private static int NativeThreadId() =>
        new FileInfo("/proc/thread-self").LinkTarget is { } target && int.TryParse(Path.GetFileName(target), out var tid) ? tid : 0;

    /// <summary>
    /// True when the kernel has the thread asleep (state S in <c>/proc/self/task/TID/stat</c>); its next sleep after it
    /// signalled is the read. Where that cannot be read, a millisecond's wait has to do.
    /// </summary>
    private static bool IsAsleep(int thread)
    {
        if (thread == 0)
        {
            return true;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/self/task/{thread}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('S');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static async Task AssertRefusedAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        using var probe = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await probe.ConnectAsync(options, cancellationToken);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException("a quarantined device was let back in");
            }
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException)
        {
            // Refused, as it must be.
        }
    }

    /// <summary>The machine's 1-minute load average (Linux), so that a tail measured on a busy machine says so.</summary>
    private static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static double Percentile(List<double> values, double p) => LockdownSteps.Quantile(values, p);

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is harmless.
        }
    }
}
