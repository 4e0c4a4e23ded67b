using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Detection;
using TwinGuard.Detection.Autoencoders;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench autoencoder</c>: training and inference throughput of the dense autoencoder, and its memory.
/// </summary>
/// <remarks>
/// d = 28 is the width of the SKAB temporal features (8 signals, window 10: 6 values, 6 means, 8 deviations,
/// 8 deltas). Training: 60 epochs, batch 32, layers 28-14-7-14-28. Memory: the bytes the fitted model keeps (float32 weights and
/// biases, the standardiser), and the bytes allocated while fitting (weights, gradients, both Adam moments, activations).
/// </remarks>
internal static class AutoencoderBenchmark
{
    public static ProductBenchmark Definition { get; } = new(
        "autoencoder", "Autoencoder training/inference throughput and memory per model (d=28)", RunAsync);

    private static Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        const int d = 28;
        var cases = new List<object>();
        foreach (var n in new[] { 400, 10_000 })
        {
            ct.ThrowIfCancellationRequested();
            var (rows, _) = IForestSyntheticData.Generate(n, d, 7);
            var options = new AutoencoderOptions { Seed = 1 };
            var fitSeconds = double.MaxValue;
            long allocated = 0;
            Autoencoder? model = null;
            for (var repeat = 0; repeat < 3; repeat++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var clock = Stopwatch.StartNew();
                model = new Autoencoder(options);
                model.Fit(rows);
                fitSeconds = Math.Min(fitSeconds, clock.Elapsed.TotalSeconds);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            var probe = IForestSyntheticData.Generate(100_000, d, 8).Rows;
            var scores = new double[probe.Rows];
            var batchSeconds = double.MaxValue;
            for (var repeat = 0; repeat < 3; repeat++)
            {
                var clock = Stopwatch.StartNew();
                model!.Score(probe, scores);
                batchSeconds = Math.Min(batchSeconds, clock.Elapsed.TotalSeconds);
            }

            var single = Stopwatch.StartNew();
            const int singles = 20_000;
            for (var i = 0; i < singles; i++)
            {
                scores[i] = model!.Score(probe.Row(i));
            }

            var singleSeconds = single.Elapsed.TotalSeconds;
            var result = new
            {
                n,
                d,
                layers = model!.LayerWidths,
                parameters = model.ParameterCount,
                model_bytes = model.ModelBytes,
                fit_allocated_bytes = allocated,
                epochs = options.Epochs,
                fit_s = fitSeconds,
                train_rows_per_s = n * (double)options.Epochs / fitSeconds,
                score_batch_rows_per_s = probe.Rows / batchSeconds,
                score_single_row_us = singleSeconds / singles * 1e6,
                final_loss = model.FinalLoss,
            };
            cases.Add(result);
            if (!context.Json)
            {
                context.Output.WriteLine(FormattableString.Invariant(
                    $"autoencoder n={n} d={d} layers {string.Join('-', result.layers)} ({result.parameters} parameters, {result.model_bytes} B): fit {fitSeconds * 1e3:0.0} ms ({result.train_rows_per_s:0} row-epochs/s, {allocated / 1024.0:0} KiB allocated), score {result.score_batch_rows_per_s:0} rows/s batch, {result.score_single_row_us:0.00} µs per single row"));
            }
        }

        if (context.Json)
        {
            context.Output.WriteLine(JsonSerializer.Serialize(new { benchmark = "autoencoder", threads = 1, cases }));
        }

        return Task.FromResult(0);
    }
}
