using System.Diagnostics;
using System.Globalization;
using TwinGuard.Edge.Pipeline;
using TwinGuard.Edge.Uplink;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Edge;

/// <summary>
/// <c>twinguard-edge bench</c>: readings per second per core through the edge's twin (validation, per-signal detectors,
/// relations) and its outbox on disk, every asset of the plant model fed plausible values stamped now.
/// </summary>
/// <remarks>
/// The device side (MQTT, the gate's flood guard) is left out on purpose: the flood guard caps each device at four times
/// its declared rate, so a broker-fed measurement measures the plant model, not the edge. Output is JSON on stdout.
/// </remarks>
internal static class EdgeBench
{
    public static async Task<int> RunAsync(PlantModel plant, TimeSpan duration)
    {
        var directory = Directory.CreateTempSubdirectory("twinguard-edge-bench-").FullName;
        try
        {
            var evidence = new EvidenceSink(new PipelineMetrics(), TimeProvider.System);
            using var outbox = new EdgeOutbox(directory, 1L << 34, TimeProvider.System);
            var assets = plant.Assets.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
            using var twins = new EdgeTwins(plant, assets, evidence, new QuarantineList(), outbox);
            using var stop = new CancellationTokenSource();
            var draining = Task.Run(async () =>
            {
                try
                {
                    await foreach (var _ in evidence.Findings.ReadAllAsync(stop.Token))
                    {
                    }
                }
                catch (OperationCanceledException)
                {
                    // done
                }
            });

            var random = new Random(1);
            var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            long values = 0;
            long sequence = 0;
            while (clock.Elapsed < duration)
            {
                sequence++;
                foreach (var asset in plant.Assets)
                {
                    var readings = new SignalValue[asset.Signals.Count];
                    for (var i = 0; i < readings.Length; i++)
                    {
                        var s = asset.Signals[i];
                        var mid = s.Operating is { } band ? Mid(band, s) : (s.Min + s.Max) / 2;
                        readings[i] = new SignalValue(i, mid + ((random.NextDouble() - 0.5) * (s.Max - s.Min) * 0.001));
                    }

                    await twins.DeliverAsync(asset, new ReadingMessage("bench", sequence, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, readings), false);
                    values += readings.Length;
                }
            }

            var elapsed = clock.Elapsed;
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            await stop.CancelAsync();
            await draining;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $$"""{"readings": {{values}}, "messages": {{sequence * plant.Assets.Count}}, "seconds": {{elapsed.TotalSeconds:F2}}, "cpu_seconds": {{cpu:F2}}, "readings_per_second": {{values / elapsed.TotalSeconds:F0}}, "readings_per_cpu_second": {{values / cpu:F0}}, "outbox_bytes": {{new DirectoryInfo(directory).EnumerateFiles().Sum(f => f.Length)}}}"""));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static double Mid(OperatingBand band, SignalModel signal) =>
        ((band.Low ?? signal.Min) + (band.High ?? signal.Max)) / 2;
}
