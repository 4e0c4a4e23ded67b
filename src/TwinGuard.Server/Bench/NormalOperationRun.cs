using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using TwinGuard.Ledger;
using TwinGuard.Server.Hosting;
using TwinGuard.Simulator.Physics;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Relations;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Server.Bench;

/// <summary>
/// Normal operation of the sample plant, as fast as the twins can take it: the simulator's physics (set-point changes,
/// conveyor stops and starts, noise) fed straight into the twin grains of an in-process silo on a stepped clock, no
/// attacks. Every finding is a false alarm; the findings go through the incident correlator, so the run also counts
/// the incidents normal operation would open.
/// </summary>
/// <remarks>The transport (MQTT, gate) is left out: it refuses nothing in normal operation, and the run stays
/// deterministic for a seed. Messages go to the twins in batches of <see cref="TicksPerCall"/> samples, like the
/// dispatcher's batches under load.</remarks>
internal static class NormalOperationRun
{
    /// <summary>Samples per grain call.</summary>
    public const int TicksPerCall = 4;

    /// <summary>Runs <paramref name="duration"/> of simulated normal operation.</summary>
    public static async Task<NormalOperationResult> RunAsync(PlantModel plant, TimeSpan duration, int seed, CancellationToken ct)
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-normal-run-").FullName;
        var clock = new SteppedClock(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        // The silo's ports are picked anew and the host built again when one was taken before the silo bound it (CI runs
        // this beside other processes).
        using var host = await LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var built = Build(plant, dataDir, clock);
            try
            {
                await built.StartAsync(ct);
                return built;
            }
            catch
            {
                built.Dispose();
                throw;
            }
        });
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var evidence = host.Services.GetRequiredService<EvidenceSink>();
            var findings = new ConcurrentQueue<Finding>();
            evidence.Raised += findings.Enqueue;

            var feeds = Feeds(plant, grains);
            var physics = new PlantPhysics(seed);
            var ticks = (long)(duration / SamplePlant.Period);
            var pending = new List<ReadingMessage>[feeds.Count];
            for (var f = 0; f < feeds.Count; f++)
            {
                pending[f] = new List<ReadingMessage>(TicksPerCall);
            }

            var watch = Stopwatch.StartNew();
            long seq = 0;
            var calls = new Task[feeds.Count];
            for (long tick = 0; tick < ticks; tick++)
            {
                physics.Step();
                seq++;
                var ts = clock.Start.AddTicks(SamplePlant.Period.Ticks * tick).ToUnixTimeMilliseconds();
                for (var f = 0; f < feeds.Count; f++)
                {
                    var feed = feeds[f];
                    var values = new SignalValue[feed.Signals.Length];
                    for (var s = 0; s < values.Length; s++)
                    {
                        values[s] = new SignalValue(feed.Signals[s].TwinIndex, physics.Measurements[feed.Signals[s].PhysicsIndex]);
                    }

                    pending[f].Add(new ReadingMessage(feed.DeviceId, seq, ts, 0, values));
                }

                if (pending[0].Count == TicksPerCall || tick == ticks - 1)
                {
                    clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(ts + 20);
                    for (var f = 0; f < feeds.Count; f++)
                    {
                        calls[f] = feeds[f].Twin.IngestAsync([.. pending[f]]);
                        pending[f].Clear();
                    }

                    await Task.WhenAll(calls);
                }
            }

            // The relation grains' one-way calls: a snapshot call queues behind the updates already sent.
            foreach (var relation in plant.Relations)
            {
                await grains.GetGrain<IRelationGrain>(relation.Id).GetSnapshotAsync();
            }

            var elapsed = watch.Elapsed;
            var list = findings.ToList();
            var correlator = new IncidentCorrelator(plant.Correlation);
            var incidents = new List<Finding>();
            long id = 0;
            foreach (var finding in list.OrderBy(f => f.Time))
            {
                var decision = correlator.Observe(finding, ++id);
                if (decision.OpenScope is { } scope)
                {
                    correlator.Opened(scope, id, finding.Time);
                    incidents.Add(finding);
                }
            }

            var snapshots = new List<RelationSnapshot>();
            foreach (var relation in plant.Relations)
            {
                snapshots.Add(await grains.GetGrain<IRelationGrain>(relation.Id).GetSnapshotAsync());
            }

            return new NormalOperationResult(
                duration,
                ticks,
                elapsed,
                list.Count,
                incidents.Count,
                list.GroupBy(f => $"{f.Reason.Name()} {f.AssetId}.{f.SignalId}").OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count()),
                incidents.Select(f => $"{f.Time:HH:mm:ss} {f.Reason.Name()} {f.AssetId}.{f.SignalId}: {f.Message}").Take(20).ToList(),
                snapshots);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await host.Services.GetRequiredService<LedgerWriter>().DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static IHost Build(PlantModel plant, string dataDir, SteppedClock clock)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.AddStandardErrorConsole();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(LoopbackPorts.Free(), LoopbackPorts.Free());
            SiloHosting.AddLocalTwinState(silo, dataDir, TwinPersistence.Default);
        });
        var services = builder.Services;
        services.AddSingleton(plant);
        services.AddSingleton(new PlantModelSource(plant));
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<EvidenceSink>();
        services.AddSingleton<QuarantineList>();
        services.AddSingleton<DetectionSensitivity>();
        services.AddSingleton<DetectorTuning>();
        services.AddSingleton<LocalTwins>();
        services.AddSingleton<TwinGuard.Twins.Detect.AlarmLog>();
        services.AddSingleton(_ => LedgerWriter.Open(Path.Combine(dataDir, "ledger"), LedgerOptions.Default, clock));
        services.AddSingleton<LedgerRecorder>();
        services.AddSingleton(_ => TwinGuard.Twins.Validate.SequenceStore.Open(dataDir));
        return builder.Build();
    }

    private static List<Feed> Feeds(PlantModel plant, IGrainFactory grains)
    {
        var feeds = new List<Feed>();
        foreach (var device in SamplePlant.Devices)
        {
            foreach (var publication in device.Publications)
            {
                var asset = plant.FindAsset(publication.AssetId) ?? throw new InvalidOperationException($"the plant model has no asset {publication.AssetId}");
                var signals = publication.SignalIds
                    .Select(s => (TwinIndex: asset.IndexOf(s), PhysicsIndex: SamplePlant.IndexOf(publication.AssetId, s)))
                    .ToArray();
                feeds.Add(new Feed(device.Id, grains.GetGrain<ITwinGrain>(asset.Id), signals));
            }
        }

        return feeds;
    }

    private sealed record Feed(string DeviceId, ITwinGrain Twin, (int TwinIndex, int PhysicsIndex)[] Signals);

    /// <summary>A clock that only moves when told: simulated time, as fast as the twins go.</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Start { get; } = start;

        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
