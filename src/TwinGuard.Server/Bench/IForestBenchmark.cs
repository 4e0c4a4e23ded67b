using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Detection;
using TwinGuard.Detection.IsolationForests;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench iforest</c>: Isolation Forest fit and score throughput at n = 100,000 and 1,000,000 (d = 8), one
/// thread and all cores, beside scikit-learn measured in the same run (ratios; absolute times vary between machines).
/// </summary>
/// <remarks>
/// Parameters as the peer: 100 trees, ψ = 256; fit and score each best of 3 on the same n rows. At n = 100,000 both
/// sides use identical rows (the peer's <c>--save-csv</c>), so the ROC AUCs compare like with like. At n = 1,000,000
/// each side draws its own rows from the same distribution, and sklearn scores in ~98k-row chunks
/// (<c>--working-memory 12</c>): its default one-chunk scoring is superlinear at that size and would flatter us.
/// </remarks>
internal static class IForestBenchmark
{
    public static ProductBenchmark Definition { get; } = new(
        "iforest", "Isolation Forest fit/score throughput vs scikit-learn (n=1e5, 1e6; d=8)", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        const int d = 8;
        var script = IForestPeer.ScriptPath();
        var cases = new List<object>();
        foreach (var n in new[] { 100_000, 1_000_000 })
        {
            ct.ThrowIfCancellationRequested();
            JsonElement? peer = null;
            string? problem = null;
            FeatureMatrix rows;
            bool[] labels;
            string source;
            var csv = Path.Combine(Path.GetTempPath(), $"twinguard-iforest-{n}-d{d}.csv");
            if (script is null)
            {
                problem = "../shared/peers/sklearn_iforest.py not found (set TWINGUARD_PEERS_DIR)";
            }
            else if (n <= 100_000)
            {
                (peer, problem) = await IForestPeer.RunAsync(script, ["--n", Inv(n), "--d", Inv(d), "--save-csv", csv], ct);
            }
            else
            {
                (peer, problem) = await IForestPeer.RunAsync(script, ["--n", Inv(n), "--d", Inv(d), "--working-memory", "12", "--repeats", "2"], ct);
            }

            if (peer is not null && File.Exists(csv) && n <= 100_000)
            {
                (rows, labels) = IForestSyntheticData.Load(csv);
                File.Delete(csv);
                source = "identical rows (sklearn_iforest.py --save-csv)";
            }
            else
            {
                (rows, labels) = IForestSyntheticData.Generate(n, d, 12345);
                source = "same distribution, own draws";
            }

            var single = Measure(rows, labels, threads: 1);
            var all = Measure(rows, labels, threads: 0);
            var scalar = Measure(rows, labels, threads: 1, TreeTraversal.Scalar); // the row-major walk before tree-major
            var gather = Measure(rows, labels, threads: 1, TreeTraversal.Avx2Gather);
            double? peerFit = peer?.GetProperty("fit_s").GetDouble();
            double? peerScore = peer?.GetProperty("score_s").GetDouble();
            double? peerAuc = peer is { } p && p.GetProperty("roc_auc").ValueKind == JsonValueKind.Number ? p.GetProperty("roc_auc").GetDouble() : null;
            cases.Add(new
            {
                n,
                d,
                data = source,
                twinguard_single_thread = single,
                twinguard_all_cores = all,
                twinguard_single_thread_row_major = scalar,
                twinguard_single_thread_avx2_gather = gather,
                cores = Environment.ProcessorCount,
                sklearn = peer is null ? null : new
                {
                    fit_s = peerFit,
                    score_s = peerScore,
                    roc_auc = peerAuc,
                    version = peer.Value.GetProperty("sklearn").GetString(),
                    working_memory_mib = peer.Value.GetProperty("working_memory_mib").GetInt32(),
                },
                sklearn_problem = problem,
                ratio_fit_single_thread = peerFit / single.FitSeconds,
                ratio_score_single_thread = peerScore / single.ScoreSeconds,
                ratio_fit_all_cores = peerFit / all.FitSeconds,
                ratio_score_all_cores = peerScore / all.ScoreSeconds,
                ratio_score_cpu_row_major_to_default = scalar.ScoreCpuSeconds / single.ScoreCpuSeconds,
                auc_difference = peerAuc is null ? (double?)null : single.RocAuc - peerAuc,
            });

            if (!context.Json)
            {
                var ours = FormattableString.Invariant(
                    $"iforest n={n} d={d} ({source}): fit {single.FitSeconds * 1e3:0.0} ms / {all.FitSeconds * 1e3:0.0} ms (1 / {Environment.ProcessorCount} threads), score {single.ScoreSeconds * 1e3:0.0} ms (cpu {single.ScoreCpuSeconds * 1e3:0.0} ms) / {all.ScoreSeconds * 1e3:0.0} ms, AUC {single.RocAuc:0.00000}");
                var theirs = peer is null
                    ? $"; sklearn: {problem}"
                    : FormattableString.Invariant(
                        $"; sklearn fit {peerFit * 1e3:0.0} ms score {peerScore * 1e3:0.0} ms AUC {peerAuc:0.00000} -> fit x{peerFit / single.FitSeconds:0.0}, score x{peerScore / single.ScoreSeconds:0.0} single-thread");
                context.Output.WriteLine(ours + theirs);
                context.Output.WriteLine(FormattableString.Invariant(
                    $"  traversal, one thread: default (tree-major) cpu {single.ScoreCpuSeconds * 1e3:0.0} ms; row-major scalar {scalar.ScoreSeconds * 1e3:0.0} ms (cpu {scalar.ScoreCpuSeconds * 1e3:0.0}, x{scalar.ScoreCpuSeconds / single.ScoreCpuSeconds:0.00} of default), AVX2 gather {gather.ScoreSeconds * 1e3:0.0} ms (cpu {gather.ScoreCpuSeconds * 1e3:0.0})"));
            }
        }

        if (context.Json)
        {
            context.Output.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "iforest",
                trees = 100,
                subsample = 256,
                timing = "best of 3 (sklearn: best of 3 at 1e5, of 2 at 1e6)",
                cases,
            }));
        }

        return 0;
    }

    private static Measurement Measure(FeatureMatrix rows, bool[] labels, int threads, TreeTraversal traversal = TreeTraversal.Auto)
    {
        var options = new IsolationForestOptions { Seed = 42, MaxDegreeOfParallelism = threads, Traversal = traversal };
        var scores = new double[rows.Rows];
        var fit = double.MaxValue;
        var score = double.MaxValue;
        var scoreCpu = double.MaxValue;
        using var process = Process.GetCurrentProcess();
        IsolationForest? forest = null;
        for (var repeat = 0; repeat < 3; repeat++)
        {
            var clock = Stopwatch.StartNew();
            forest = new IsolationForest(options);
            forest.Fit(rows);
            fit = Math.Min(fit, clock.Elapsed.TotalSeconds);
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            clock.Restart();
            forest.Score(rows, scores);
            score = Math.Min(score, clock.Elapsed.TotalSeconds);
            process.Refresh();
            scoreCpu = Math.Min(scoreCpu, (process.TotalProcessorTime - cpu).TotalSeconds);
        }

        return new Measurement(fit, score, scoreCpu, rows.Rows / score, IForestSyntheticData.RocAuc(scores, labels), forest!.ModelBytes);
    }

    private static string Inv(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record Measurement(double FitSeconds, double ScoreSeconds, double ScoreCpuSeconds, double RowsPerSecond, double RocAuc, long ModelBytes);
}
