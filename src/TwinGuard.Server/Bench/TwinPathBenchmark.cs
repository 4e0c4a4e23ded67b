using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench twin-path</c>: what a message costs after the gate accepted it: the hand-off to the twin
/// (dispatcher lane), the ledger entry of its batch, and the twin's work (validation, per-signal detectors, the
/// multivariate model's scoring, history, metrics), without broker, gate or JSON parse.
/// </summary>
/// <remarks>
/// The site and its plant are <c>bench ingest</c>'s (one asset of four signals, one message in a hundred out of range),
/// with the multivariate model fitted before the measurement. Messages are built before it, as the gate hands them on,
/// and delivered from one thread with a connection's receive batch, so that the lane runs on that thread as it does on a
/// broker connection's: every <c>batch</c> messages form one ledger entry and one twin entry. Reported per message:
/// that thread's CPU time and allocation (the part a connection's core pays), and the whole process's (with the
/// ledger's hashing and writing thread, the record stage and the timers).
/// </remarks>
internal static class TwinPathBenchmark
{
    private const int Messages = 100_000;
    private const int QuickMessages = 5_000;
    private const int Rounds = 3;
    private const int OutOfRangeEvery = 100;

    public static ProductBenchmark Create() => new("twin-path",
        "CPU ns and bytes per message from the gate's hand-off on: dispatcher lane, ledger entry, twin and multivariate scoring (no broker, no parse)", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        var messages = context.Size(Messages, QuickMessages);
        // Unreported: the process's first sites run the path's code before the tiered JIT has optimised it.
        foreach (var batch in (int[])[1, 16])
        {
            await MeasureAsync(QuickMessages, batch, ct);
        }

        var results = new List<PathRun>();
        for (var round = 0; round < context.Size(Rounds, 1); round++)
        {
            foreach (var batch in (int[])[1, 16])
            {
                results.Add(await MeasureAsync(messages, batch, ct));
            }
        }

        if (context.Json)
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(new { messages, readings_per_message = 4, runs = results },
                new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            foreach (var r in results)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"batch {r.Batch,3}: delivering thread {r.ThreadNsPerMessage,7:0} ns, {r.ThreadBytesPerMessage,6:0} B per message; whole process {r.ProcessNsPerMessage,7:0} ns, {r.ProcessBytesPerMessage,6:0} B; {r.Findings} findings; load {r.LoadAverage}"));
            }
        }

        return 0;
    }

    private static async Task<PathRun> MeasureAsync(int count, int batchSize, CancellationToken ct)
    {
        var plant = IngestBenchmark.BenchPlant();
        var dataDirectory = Directory.CreateTempSubdirectory("twinguard-bench-twin-path-").FullName;
        var (app, _) = await LoopbackSite.StartAsync(
            () => LoopbackSite.Settings(plant, dataDirectory) with { LedgerKey = LedgerKeyLocations.ForRun(dataDirectory) },
            built => built.StartAsync(ct));
        try
        {
            var inbox = app.Services.GetRequiredService<ITwinInbox>();
            var metrics = app.Services.GetRequiredService<PipelineMetrics>();
            var asset = plant.Assets[0];
            var device = plant.Devices[0].Id;

            // Past the multivariate warm-up: the twin scores every state with a fitted model, as at steady state.
            var warmUp = Build(device, plant.Detection.MultivariateWarmUp + 2_000, 0);
            await DeliverOnOwnThreadAsync(inbox, asset, warmUp, batchSize, ct);
            await WaitForAsync(() => metrics.ArrivalToTwin.Count >= warmUp.Length, ct);

            var measured = Build(device, count, 1_000_000);
            var findings = metrics.Findings;
            var process = ProcessCost.Start();
            var thread = await DeliverOnOwnThreadAsync(inbox, asset, measured, batchSize, ct);
            await WaitForAsync(() => metrics.ArrivalToTwin.Count >= warmUp.Length + measured.Length, ct);
            return new PathRun(
                batchSize,
                thread.CpuNs / count,
                thread.Bytes / (double)count,
                process.CpuMicrosecondsPer(count) * 1000,
                process.AllocatedBytesPer(count),
                metrics.Findings - findings,
                LoadAverage());
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>Delivers <paramref name="messages"/> from a thread of its own, <paramref name="batchSize"/> per receive batch; returns that thread's CPU time and allocation.</summary>
    private static Task<(double CpuNs, long Bytes)> DeliverOnOwnThreadAsync(ITwinInbox inbox, AssetModel asset, ReadingMessage[] messages, int batchSize, CancellationToken ct) =>
        Task.Factory.StartNew(
            () =>
            {
                var next = 0;
                // "More bytes buffered" until the batch's last message: the lane runs once per batch, on this thread.
                var batch = new ReceiveBatch(() => next % batchSize != 0);
                var bytes = GC.GetAllocatedBytesForCurrentThread();
                var cpu = ThreadCpu.Nanoseconds();
                while (next < messages.Length)
                {
                    var message = messages[next++];
                    var delivered = inbox.DeliverAsync(asset, message, kept: false, batch);
                    if (!delivered.IsCompletedSuccessfully)
                    {
                        delivered.AsTask().GetAwaiter().GetResult(); // a full lane
                    }
                }

                batch.Flush();
                return (ThreadCpu.Nanoseconds() - cpu, GC.GetAllocatedBytesForCurrentThread() - bytes);
            },
            ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    /// <summary>Messages as the gate hands them on: current timestamp, increasing sequence, one in a hundred out of range.</summary>
    private static ReadingMessage[] Build(string device, int count, long firstSeq)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var arrival = Stopwatch.GetTimestamp();
        var random = new Random(42);
        var messages = new ReadingMessage[count];
        for (var i = 0; i < count; i++)
        {
            var a = i % OutOfRangeEvery == OutOfRangeEvery - 1 ? 250.0 : 50 + random.NextDouble();
            messages[i] = new ReadingMessage(device, firstSeq + i, now, arrival,
                [new(0, a), new(1, 20 + random.NextDouble()), new(2, 5 + random.NextDouble()), new(3, 0.5 + (random.NextDouble() / 10))]);
        }

        return messages;
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException("the twin did not take every benchmark message in time");
            }

            await Task.Delay(5, ct);
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages: the machine is shared, and every figure is given with them.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "unknown";

    private sealed record PathRun(
        int Batch,
        double ThreadNsPerMessage,
        double ThreadBytesPerMessage,
        double ProcessNsPerMessage,
        double ProcessBytesPerMessage,
        long Findings,
        string LoadAverage);
}
