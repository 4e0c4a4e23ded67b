using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orleans.Serialization;
using Orleans.Storage;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench twins</c>: what one twin costs a silo, measured on a generated plant of many assets in one
/// single-node silo (persistence on, SQLite grain storage): memory per activated twin, grain-state bytes per twin in
/// the store, CPU per reading at steady state and of the idle twins' timers. The figures behind the 16-core and
/// 100,000-asset estimate of docs/cluster.md.
/// </summary>
/// <remarks>
/// Two groups of assets of <see cref="SignalsPerAsset"/> signals. The <em>commissioned</em> ones each receive more
/// readings than the multivariate warm-up (the default 2,400 states), so their multivariate model is fitted: the
/// memory and stored state of a twin at steady state. The <em>scaled</em> ones are activated in stages (500, 1,000, 2,000
/// twins) with enough readings each for their per-signal baselines to score (70): whether the per-twin cost stays
/// flat as the twins grow, and what a reading costs when each asset's readings arrive one at a time, as at 1 Hz.
/// Readings are admitted through the gate in-process (the broker is measured by <c>bench ingest</c>); the producer's
/// formatting is in the process's CPU and is measured apart.
/// </remarks>
internal static class TwinsBenchmark
{
    private const int SignalsPerAsset = 4;
    private const int ScaledReadings = 70;
    private const int SteadyRounds = 5;
    private const string Device = "bench-pub";
    private const string Password = "bench-password";
    private static readonly TimeSpan SnapshotEvery = TimeSpan.FromSeconds(10);

    /// <summary>A persistence run's steady state lasts at least this: three snapshot periods.</summary>
    private static readonly TimeSpan SteadyAtLeast = TimeSpan.FromSeconds(30);

    public static ProductBenchmark Create() => new("twins",
        "Per-twin memory, grain-state bytes and CPU per reading with 500 to 10,000 twins in one silo (the cluster estimate's inputs)", RunAsync);

    public static ProductBenchmark CreatePersistence() => new("twins-persistence",
        "Readings/s and CPU per reading with grain persistence off and on, alternating (each a fresh silo): 1,000 twins flat out, 2,000 at 2 messages per twin per second", RunPersistenceAsync);

    /// <summary>The paced runs' rate per twin: a slow plant, where a snapshot every 10 s covers few messages.</summary>
    private static readonly TimeSpan PacedRound = TimeSpan.FromMilliseconds(500);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        // Each stage says whether the per-twin figures stay flat as the twins grow.
        int[] stages = context.Quick ? [100, 300] : [500, 1_000, 2_000, 5_000, 10_000];
        var commissioned = context.Size(50, 10);
        var warmUp = DetectionSettings.Default.MultivariateWarmUp;
        var plant = Plant(stages[^1], commissioned);
        var dataDirectory = Directory.CreateTempSubdirectory("twinguard-bench-twins-").FullName;
        var app = await StartAsync(plant, dataDirectory, persist: true, ct);
        try
        {
            var feed = new Feed(app.Services.GetRequiredService<ReadingGate>(), app.Services.GetRequiredService<PipelineMetrics>(), plant);
            var baseline = Memory.Measure();

            // The commissioned twins: past the multivariate warm-up, so that each holds a fitted model.
            var learnedIds = plant.Assets.Where(a => a.Id.StartsWith("learned-", StringComparison.Ordinal)).Select(a => a.Id).ToArray();
            var clock = Stopwatch.StartNew();
            await feed.RoundsAsync(learnedIds, warmUp + 200, ct);
            var learnTime = clock.Elapsed;
            var afterLearned = Memory.Measure();

            var scaled = plant.Assets.Where(a => a.Id.StartsWith("asset-", StringComparison.Ordinal)).Select(a => a.Id).ToArray();
            var results = new List<Stage>();
            var previous = afterLearned;
            var previousTwins = 0;
            foreach (var twins in stages)
            {
                var ids = scaled[..twins];
                // Activation: every twin of the stage (earlier ones too, so that none falls silent and goes stale) gets
                // readings in rounds, one reading per twin per round, as a plant at one message per asset per period.
                await feed.RoundsAsync(ids, ScaledReadings, ct);
                var memory = Memory.Measure();
                var writesBefore = feed.Metrics.TwinStateWrites;
                var cost = ProcessCost.Start();
                clock.Restart();
                await feed.RoundsAsync(ids, SteadyRounds, ct);
                var elapsed = clock.Elapsed;
                var readings = (long)twins * SteadyRounds;
                results.Add(new Stage(
                    twins,
                    (memory.Rss - afterLearned.Rss) / (double)twins,
                    (memory.Managed - afterLearned.Managed) / (double)twins,
                    (memory.Rss - previous.Rss) / (double)(twins - previousTwins),
                    cost.CpuMicrosecondsPer(readings),
                    cost.AllocatedBytesPer(readings),
                    readings / elapsed.TotalSeconds,
                    (feed.Metrics.TwinStateWrites - writesBefore) / elapsed.TotalSeconds,
                    feed.Metrics.Findings,
                    feed.Metrics.Refusals,
                    feed.Undelivered));
                (previous, previousTwins) = (memory, twins);
            }

            var formatting = Feed.FormattingMicroseconds(plant.Assets[0], 200_000);

            // The idle twins' timers: the staleness check of each twin (every 4 signal periods) and the snapshot
            // timer. The first silence raises each signal's stale finding once; what is measured is the silence after.
            var idle = await MeasureIdleAsync(feed, ct);

            // Every twin has written its stream state (snapshots of dirty twins, every 10 s); read what the store holds.
            await Task.Delay(SnapshotEvery + TimeSpan.FromSeconds(2), ct);
            var stored = StoredState(Path.Combine(dataDirectory, SiloHosting.StateFileName));
            await app.StopAsync(CancellationToken.None);
            var writes = await ProfileWritesAsync(Path.Combine(dataDirectory, SiloHosting.StateFileName), "%learned-%", app.Services.GetRequiredService<Serializer>());

            var result = new
            {
                signalsPerAsset = SignalsPerAsset,
                gc = GCSettings.IsServerGC ? "server" : "workstation",
                cores = Environment.ProcessorCount,
                loadAverage = LoadAverage(),
                baselineRssMb = baseline.Rss / 1e6,
                commissioned = new
                {
                    twins = commissioned,
                    readingsEach = warmUp + 200,
                    seconds = learnTime.TotalSeconds,
                    rssBytesPerTwin = (afterLearned.Rss - baseline.Rss) / (double)commissioned,
                    managedBytesPerTwin = (afterLearned.Managed - baseline.Managed) / (double)commissioned,
                    stored = stored.Where(s => s.Group == "learned"),
                },
                scaled = results,
                scaledStored = stored.Where(s => s.Group == "asset"),
                producerFormattingMicrosecondsPerReading = formatting,
                idle,
                commissionedWrites = writes,
            };
            if (context.Json)
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
            }
            else
            {
                var o = context.Output;
                await o.WriteLineAsync(Invariant($"{SignalsPerAsset} signals per asset, {result.gc} GC, {result.cores} cores, load {result.loadAverage}; silo alone {result.baselineRssMb:0} MB RSS"));
                await o.WriteLineAsync(Invariant($"commissioned twins ({commissioned}, {warmUp + 200} readings each, model fitted): {result.commissioned.rssBytesPerTwin / 1024:0.0} KiB RSS, {result.commissioned.managedBytesPerTwin / 1024:0.0} KiB managed per twin"));
                foreach (var s in results)
                {
                    await o.WriteLineAsync(Invariant(
                        $"{s.Twins,6} twins: {s.RssBytesPerTwin / 1024,6:0.0} KiB RSS/twin ({s.ManagedBytesPerTwin / 1024:0.0} KiB managed; this stage's new twins {s.RssBytesPerNewTwin / 1024:0.0} KiB), one reading per twin per round: {s.CpuMicrosecondsPerReading:0.0} us CPU and {s.AllocatedBytesPerReading:N0} B per reading, {s.ReadingsPerSecond:N0} readings/s, {s.StateWritesPerSecond:0} state writes/s, findings so far {s.Findings}, refusals {s.Refusals}, undelivered {s.Undelivered}"));
                }

                foreach (var s in stored)
                {
                    await o.WriteLineAsync(Invariant($"stored {s.Group,-8} {s.State,-6}: {s.Rows,6} rows, mean {s.MeanBytes:N0} B, max {s.MaxBytes:N0} B"));
                }

                await o.WriteLineAsync(Invariant($"producer formatting (in the CPU above): {formatting:0.00} us per reading"));
                await o.WriteLineAsync(Invariant($"idle: {idle.Twins} twins, {idle.CpuMillisecondsPerSecond:0.0} ms CPU per second ({idle.CpuMicrosecondsPerTwinSecond:0.00} us per twin-second) over {idle.Seconds:0} s"));
                foreach (var w in writes)
                {
                    await o.WriteLineAsync(Invariant($"the store's part of a commissioned twin's {w.State} write of {w.Bytes:N0} B: {w.StoreMicroseconds:0.0} us CPU"));
                }
            }

            return 0;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>Persistence off and on, alternating which goes first, each a fresh silo: the cost of the snapshots at steady state.</summary>
    private static async Task<int> RunPersistenceAsync(BenchContext context, CancellationToken ct)
    {
        var persistence = new List<PersistenceRun>();
        for (var round = 0; round < context.Size(2, 1); round++)
        {
            // Flat out (as many messages per twin per snapshot as the silo takes), then paced (few per snapshot).
            foreach (var paced in new[] { false, true })
            {
                foreach (var persist in round % 2 == 0 ? new[] { false, true } : [true, false])
                {
                    var run = paced
                        ? await MeasurePersistenceAsync(context.Size(2_000, 200), 1, persist, PacedRound, TimeSpan.FromSeconds(context.Size(60, 20)), ct)
                        : await MeasurePersistenceAsync(context.Size(1_000, 200), 10, persist, null, SteadyAtLeast, ct);
                    persistence.Add(run);
                    if (!context.Json)
                    {
                        await context.Output.WriteLineAsync(Invariant(
                            $"round {round + 1} {run.Feed,-8} persistence {(run.Persist ? "on " : "off")}: {run.Twins} twins, {run.Seconds:0.0} s steady: {run.ReadingsPerSecond:N0} readings/s, {run.CpuMicrosecondsPerReading:0.0} us CPU per reading, {run.StateWrites} state writes, load {run.LoadAverage}, undelivered {run.Undelivered}"));
                        foreach (var w in run.Writes)
                        {
                            await context.Output.WriteLineAsync(Invariant(
                                $"    the store's part of a {w.State} write of {w.Bytes:N0} B: {w.StoreMicroseconds:0.0} us CPU"));
                        }
                    }
                }
            }
        }

        if (context.Json)
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(new { signalsPerAsset = SignalsPerAsset, snapshotEverySeconds = SnapshotEvery.TotalSeconds, persistence },
                new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        }

        return 0;
    }

    private static async Task<WebApplication> StartAsync(PlantModel plant, string dataDirectory, bool persist, CancellationToken ct)
    {
        var (app, _) = await LoopbackSite.StartAsync(
            () => LoopbackSite.Settings(plant, dataDirectory) with { Persistence = new TwinPersistence(SnapshotEvery, persist), LedgerKey = LedgerKeyLocations.ForRun(dataDirectory) },
            built => built.StartAsync(ct));
        return app;
    }

    /// <summary>
    /// A fresh silo of <paramref name="twins"/> twins, activated, then batches of <paramref name="rounds"/> rounds of one
    /// reading each for <paramref name="steady"/>; a batch starts every <paramref name="pace"/> when given, else at once.
    /// </summary>
    private static async Task<PersistenceRun> MeasurePersistenceAsync(int twins, int rounds, bool persist, TimeSpan? pace, TimeSpan steady, CancellationToken ct)
    {
        var plant = Plant(twins, 0);
        var directory = Directory.CreateTempSubdirectory("twinguard-bench-twins-persist-").FullName;
        var app = await StartAsync(plant, directory, persist, ct);
        try
        {
            var feed = new Feed(app.Services.GetRequiredService<ReadingGate>(), app.Services.GetRequiredService<PipelineMetrics>(), plant);
            var ids = plant.Assets.Select(a => a.Id).ToArray();
            await feed.RoundsAsync(ids, ScaledReadings, ct);
            var writes = feed.Metrics.TwinStateWrites;
            var cost = ProcessCost.Start();
            var clock = Stopwatch.StartNew();
            var done = 0;
            while (clock.Elapsed < steady)
            {
                await feed.RoundsAsync(ids, rounds, ct);
                done += rounds;
                if (pace is { } interval && interval * (done / rounds) - clock.Elapsed is { Ticks: > 0 } ahead)
                {
                    await Task.Delay(ahead, ct);
                }
            }

            var elapsed = clock.Elapsed;
            var readings = (long)twins * done;
            var cpu = cost.CpuMicrosecondsPer(readings);
            var stateWrites = feed.Metrics.TwinStateWrites - writes;
            await app.StopAsync(CancellationToken.None);
            var parts = persist ? await ProfileWritesAsync(Path.Combine(directory, SiloHosting.StateFileName), "%", app.Services.GetRequiredService<Serializer>()) : [];
            return new PersistenceRun(persist, pace is null ? "flat out" : "paced", twins, elapsed.TotalSeconds, readings / elapsed.TotalSeconds, cpu,
                stateWrites, LoadAverage(), feed.Undelivered, parts);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<Idle> MeasureIdleAsync(Feed feed, CancellationToken ct)
    {
        // Until the stale findings of the first silence have been raised and recorded: no finding for 3 s.
        var deadline = Stopwatch.StartNew();
        var (findings, quietSince) = (feed.Metrics.Findings, Stopwatch.StartNew());
        while (quietSince.Elapsed < TimeSpan.FromSeconds(3) || deadline.Elapsed < TimeSpan.FromSeconds(8))
        {
            await Task.Delay(200, ct);
            if (feed.Metrics.Findings != findings)
            {
                (findings, quietSince) = (feed.Metrics.Findings, Stopwatch.StartNew());
            }
        }

        var cost = ProcessCost.Start();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(20), ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuMs = cost.CpuMicrosecondsPer(1) / 1000;
        var twins = feed.Plant.Assets.Count;
        return new Idle(twins, seconds, cpuMs / seconds, cpuMs * 1000 / seconds / twins);
    }

    /// <summary>
    /// The store's part of a state write: <see cref="SqliteGrainStorage"/> on a fresh file writing, as a byte array, the
    /// largest stored state of each kind whose grain matches <paramref name="grainLike"/> (the stored types are the
    /// twins' own; a byte array's serializer is a copy). A write's whole cost less this is the capture and Orleans'
    /// serializer of the state. Process CPU with the silo stopped.
    /// </summary>
    private static async Task<List<WritePart>> ProfileWritesAsync(string path, string grainLike, Serializer serializer)
    {
        const int Writes = 1_000;
        var samples = new List<(string State, byte[] Data)>();
        using (var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT state_name, data FROM grain_state g WHERE grain_id LIKE $g
                AND LENGTH(data) = (SELECT MAX(LENGTH(data)) FROM grain_state WHERE state_name = g.state_name AND grain_id LIKE $g)
                GROUP BY state_name
                """;
            command.Parameters.AddWithValue("$g", grainLike);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                samples.Add((reader.GetString(0), (byte[])reader.GetValue(1)));
            }
        }

        var parts = new List<WritePart>();
        var directory = Directory.CreateTempSubdirectory("twinguard-bench-writes-").FullName;
        try
        {
            foreach (var (state, data) in samples)
            {
                using var storage = new SqliteGrainStorage(Path.Combine(directory, state + ".db"), new OrleansGrainStorageSerializer(serializer));
                var states = Enumerable.Range(0, Writes).Select(_ => new GrainState<byte[]>(data)).ToArray();
                GrainId Grain(int i) => GrainId.Create("twin", "w" + i.ToString(CultureInfo.InvariantCulture));
                await Task.WhenAll(states.Select((g, i) => storage.WriteStateAsync(state, Grain(i), g)));
                var cost = ProcessCost.Start();
                await Task.WhenAll(states.Select((g, i) => storage.WriteStateAsync(state, Grain(i), g)));
                parts.Add(new WritePart(state, data.Length, cost.CpuMicrosecondsPer(Writes)));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        return parts;
    }

    /// <summary>Rows, mean and largest size of each stored state, for the commissioned and the scaled twins apart.</summary>
    private static List<StoredGroup> StoredState(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT CASE WHEN grain_id LIKE '%learned-%' THEN 'learned' ELSE 'asset' END, state_name, COUNT(*), AVG(LENGTH(data)), MAX(LENGTH(data))
            FROM grain_state GROUP BY 1, 2 ORDER BY 1, 2
            """;
        using var reader = command.ExecuteReader();
        var groups = new List<StoredGroup>();
        while (reader.Read())
        {
            groups.Add(new StoredGroup(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetDouble(3), reader.GetInt64(4)));
        }

        return groups;
    }

    private static PlantModel Plant(int scaled, int commissioned)
    {
        // The commissioned twins' signals are slow (period 1 h): fed in a burst, they must not go stale while the
        // scaled ones are measured. The scaled ones are at 1 s, the period of the estimate.
        static AssetModel Asset(string id, TimeSpan period) => new(id, id, "bench", [],
            [.. Enumerable.Range(0, SignalsPerAsset).Select(s => new SignalModel("s" + s.ToString(CultureInfo.InvariantCulture), "u", 0, 1000, 1e9, period, Criticality.Medium))]);
        var assets = Enumerable.Range(1, commissioned).Select(i => Asset(Invariant($"learned-{i:00000}"), TimeSpan.FromHours(1)))
            .Concat(Enumerable.Range(1, scaled).Select(i => Asset(Invariant($"asset-{i:00000}"), TimeSpan.FromSeconds(1))))
            .ToList();
        return new PlantModel(
            new SiteModel("bench", "Generated plant", "plant"),
            ValidationSettings.Default with { MaxPastSkew = TimeSpan.FromHours(1), FloodFactor = 1e12, FrozenSamples = int.MaxValue },
            DetectionSettings.Default,
            CorrelationSettings.Default,
            assets,
            [new DeviceModel(Device, Device, PasswordHash.Create(Password, 1000), ["plant/#"])],
            []);
    }

    private static double LoadAverage() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Readings made here and admitted through the gate, as a transport would.</summary>
    private sealed class Feed(ReadingGate gate, PipelineMetrics metrics, PlantModel plant)
    {
        private readonly SourceInfo _source = new(gate.Plant.FindDevice(Device)!, "bench", "127.0.0.1:0");
        private readonly Dictionary<string, long> _sequence = new(StringComparer.Ordinal);
        private readonly Random _random = new(42);

        public PipelineMetrics Metrics => metrics;

        /// <summary>Readings that never reached their twin (a grain call timed out on an overloaded machine).</summary>
        public long Undelivered { get; private set; }

        public PlantModel Plant => plant;

        /// <summary><paramref name="rounds"/> rounds of one reading to each of <paramref name="assets"/>; returns once every twin has taken them.</summary>
        public async Task RoundsAsync(string[] assets, int rounds, CancellationToken ct)
        {
            // A message reaches its twin (counted there, accepted or not) or is refused at the gate.
            long Done() => metrics.ArrivalToTwin.Count + metrics.MessagesRefused;
            var expected = Done() + ((long)assets.Length * rounds);
            await Task.Factory.StartNew(
                () =>
                {
                    var topics = assets.Select(a => "plant/" + a).ToArray();
                    for (var r = 0; r < rounds; r++)
                    {
                        for (var a = 0; a < assets.Length; a++)
                        {
                            var seq = _sequence[assets[a]] = _sequence.GetValueOrDefault(assets[a]) + 1;
                            var admitted = gate.AdmitAsync(_source, topics[a], Payload(seq, _random), Stopwatch.GetTimestamp());
                            if (!admitted.IsCompletedSuccessfully)
                            {
                                admitted.AsTask().GetAwaiter().GetResult(); // back-pressure from a full lane
                            }
                        }
                    }
                },
                ct,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            // A grain call that timed out loses its batch (logged by the dispatcher): waiting ends when nothing moved
            // for longer than Orleans' response timeout, and the shortfall is reported.
            var (last, still) = (Done(), Stopwatch.StartNew());
            while (Done() < expected)
            {
                if (still.Elapsed > TimeSpan.FromSeconds(45))
                {
                    Undelivered += expected - Done();
                    return;
                }

                await Task.Delay(5, ct);
                if (Done() != last)
                {
                    (last, still) = (Done(), Stopwatch.StartNew());
                }
            }
        }

        /// <summary>Microseconds to format one reading (the producer's share of the measured CPU).</summary>
        public static double FormattingMicroseconds(AssetModel asset, int count)
        {
            // The process's CPU (the silo's idle timers included, a small excess): wall time on a loaded machine is not CPU.
            var random = new Random(1);
            var cost = ProcessCost.Start();
            var length = 0;
            for (var i = 0; i < count; i++)
            {
                length += Payload(i, random).Length;
            }

            return length > 0 ? cost.CpuMicrosecondsPer(count) : double.NaN;
        }

        private static ReadOnlyMemory<byte> Payload(long seq, Random random) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"s0":{{{500 + (random.NextDouble() * 10):F3}}},"s1":{{{200 + (random.NextDouble() * 5):F3}}},"s2":{{{50 + random.NextDouble():F3}}},"s3":{{{5 + (random.NextDouble() / 10):F4}}}}}"""));
    }

    /// <summary>The process's resident and managed memory after a full, compacting collection.</summary>
    private readonly record struct Memory(long Rss, long Managed)
    {
        public static Memory Measure()
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            using var process = Process.GetCurrentProcess();
            return new Memory(process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false));
        }
    }

    private sealed record Stage(
        int Twins,
        double RssBytesPerTwin,
        double ManagedBytesPerTwin,
        double RssBytesPerNewTwin,
        double CpuMicrosecondsPerReading,
        double AllocatedBytesPerReading,
        double ReadingsPerSecond,
        double StateWritesPerSecond,
        long Findings,
        long Refusals,
        long Undelivered);

    private sealed record StoredGroup(string Group, string State, long Rows, double MeanBytes, long MaxBytes);

    private sealed record PersistenceRun(
        bool Persist, string Feed, int Twins, double Seconds, double ReadingsPerSecond, double CpuMicrosecondsPerReading, long StateWrites, double LoadAverage,
        long Undelivered, List<WritePart> Writes);

    private sealed record WritePart(string State, int Bytes, double StoreMicroseconds);

    private sealed record Idle(int Twins, double Seconds, double CpuMillisecondsPerSecond, double CpuMicrosecondsPerTwinSecond);
}
