using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard evaluate skab --data DIR [--detector NAME] [--per-file] [--json]</c>: detection quality on SKAB, and
/// <c>evaluate nab</c> (<see cref="EvaluateNabCommand"/>).
/// </summary>
/// <remarks>
/// Reproduces the SKAB leaderboard's protocol (../shared/datasets/README.md) and prints our rows beside the published
/// ones. <c>--anomaly-free</c> adds a separately labelled run whose training also includes anomaly-free.csv, which the
/// leaderboard does not use.
/// </remarks>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "SKAB checkout (folder holding data/)", Required = true };
        var detector = new Option<string?>("--detector")
        {
            Description = "Detector preset (" + string.Join(", ", DetectorCatalog.Names) + "); all when omitted",
        };
        var files = new Option<string?>("--files") { Description = "Comma-separated subset, e.g. valve1/0,other/3 (default: all 34)" };
        var anomalyFree = new Option<bool>("--anomaly-free")
        {
            Description = "Also run, labelled separately, with anomaly-free.csv added to each file's training rows",
        };
        var perFile = new Option<bool>("--per-file")
        {
            Description = "Also print each file's confusion matrix, false positives before and after the anomaly, and the delay to its first flag",
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the randomised detectors", DefaultValueFactory = _ => 42UL };
        var without = WithoutOption();
        var alarmRate = AlarmRateOption();
        var json = CommonOptions.Json();
        var skab = new Command("skab", "SKAB (Skoltech Anomaly Benchmark) with the leaderboard's protocol")
        {
            data, detector, files, anomalyFree, perFile, seed, without, alarmRate, json,
        };
        skab.SetAction((parse, ct) =>
        {
            var folder = SkabDataset.DataFolder(parse.GetValue(data)!);
            var names = DetectCommand.SplitList(parse.GetValue(files)) ?? SkabDataset.Experiments;
            foreach (var name in names.Where(n => !SkabDataset.Experiments.Contains(n)))
            {
                throw new CommandLineException($"--files: '{name}' is not one of the 34 SKAB experiments (valve1/0..15, valve2/0..3, other/1..14)");
            }

            var wanted = parse.GetValue(detector);
            if (wanted is not null && !DetectorCatalog.Names.Contains(wanted))
            {
                throw new CommandLineException($"--detector: unknown detector '{wanted}'; known: {string.Join(", ", DetectorCatalog.Names)}");
            }

            var variant = Variant(parse.GetValue(without), parse.GetValue(alarmRate));
            var experiments = names.Select(n => SkabDataset.Load(folder, n)).ToList();
            var detectors = wanted is null ? DetectorCatalog.Names : [wanted];
            var results = new List<SkabDetectorResult>();
            foreach (var d in detectors)
            {
                ct.ThrowIfCancellationRequested();
                results.Add(SkabEvaluator.Evaluate(d, experiments, parse.GetValue(seed), variant: variant));
            }

            if (parse.GetValue(anomalyFree))
            {
                var free = SkabDataset.LoadAnomalyFree(folder);
                foreach (var d in detectors)
                {
                    ct.ThrowIfCancellationRequested();
                    results.Add(SkabEvaluator.Evaluate(d, experiments, parse.GetValue(seed), free.Values, variant));
                }
            }

            var perfect = SkabEvaluator.PerfectChangePoints(experiments);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(ToJson(experiments, results, perfect));
            }
            else
            {
                Print(Console.Out, experiments, results, perfect);
                if (parse.GetValue(perFile))
                {
                    PrintPerFile(Console.Out, results);
                }
            }

            return Task.FromResult(0);
        });
        return new Command("evaluate", "Measure detection quality on a labelled benchmark") { skab, EvaluateNabCommand.Create() };
    }

    /// <summary><c>--without a,b</c>: pieces of the default pipeline to switch off (the contribution table).</summary>
    internal static Option<string?> WithoutOption() => new("--without")
    {
        Description = "Switch pieces of detect's default pipeline off, to measure what each adds: " + string.Join(", ", PipelinePieces.Names),
    };

    /// <summary><c>--alarm-rate R</c>: detect's extreme-value threshold, switched on for the evaluation.</summary>
    internal static Option<double?> AlarmRateOption() => new("--alarm-rate")
    {
        Description = "Run detect --alarm-rate R (a peaks-over-threshold line at R false alarms per 1,000 rows) instead of the preset's threshold",
    };

    /// <summary>The evaluation's departure from the defaults, or null; a bad value is a clear error.</summary>
    internal static EvaluationVariant? Variant(string? without, double? alarmRate)
    {
        try
        {
            return EvaluationVariant.From(DetectCommand.SplitList(without), alarmRate);
        }
        catch (DetectRequestException ex)
        {
            throw new CommandLineException(ex.Message);
        }
    }

    private static void Print(TextWriter o, IReadOnlyList<SkabExperiment> experiments, IReadOnlyList<SkabDetectorResult> results,
        ChangePointScore perfect)
    {
        var testRows = experiments.Sum(e => e.Sensors.Rows - SkabEvaluator.TrainingRows);
        var anomalous = experiments.Sum(e => e.Anomaly.Skip(SkabEvaluator.TrainingRows).Sum());
        o.WriteLine(Inv($"SKAB: {experiments.Count} files, first {SkabEvaluator.TrainingRows} rows of each train, {testRows} test rows ({100.0 * anomalous / testRows:0.0} % anomalous), {perfect.Windows} change points"));
        o.WriteLine();
        o.WriteLine("Outlier detection (point-wise, confusion matrix summed over the files)");
        o.WriteLine($"{"detector",-42} {"F1",6} {"FAR %",7} {"MAR %",7}");
        foreach (var r in results)
        {
            o.WriteLine(Inv($"{"TwinGuard " + r.Detector,-42} {r.Points.F1,6:0.000} {r.Points.FalseAlarmRate,7:0.00} {r.Points.MissedAlarmRate,7:0.00}"));
        }

        foreach (var p in SkabPublishedResult.All)
        {
            o.WriteLine(Inv($"{"published " + p.Name,-42} {p.F1,6:0.00} {p.FalseAlarmRate,7:0.00} {p.MissedAlarmRate,7:0.00}"));
        }

        o.WriteLine();
        o.WriteLine("Change points (NAB, 60 s windows right of each change point; 'plain' = prediction edges, 'rolling30' = edges of the 30-row rolling max; 'alarm' = the alarm column, not the leaderboard's rule)");
        o.WriteLine($"{"detector",-52} {"standard",9} {"low FP",8} {"low FN",8} {"missed",7} {"false",6}");
        foreach (var r in results)
        {
            Row("TwinGuard " + r.Detector + " [plain]", r.PlainEdges);
            Row("TwinGuard " + r.Detector + " [rolling30]", r.RollingEdges);
            Row("TwinGuard " + r.Detector + " [alarm]", r.AlarmOnsets);
        }

        foreach (var p in SkabPublishedResult.All.Where(p => p.Standard is not null))
        {
            var rule = p.Name == "Isolation Forest" ? "[rolling30]" : "[plain]";
            o.WriteLine(Inv($"{"published " + p.Name + " " + rule,-52} {p.Standard,9:0.00} {p.LowFalsePositives,8:0.00} {p.LowFalseNegatives,8:0.00} {p.Missed,7} {p.FalseAlarms,6}"));
        }

        Row("check: the true change points themselves", perfect);

        void Row(string name, ChangePointScore s) =>
            o.WriteLine(Inv($"{name,-52} {s.Standard,9:0.00} {s.LowFalsePositives,8:0.00} {s.LowFalseNegatives,8:0.00} {s.Missed,7} {s.FalseAlarms,6}"));
    }

    /// <summary>Each file's errors, per detector: where the misses and false positives of the summed matrix come from.</summary>
    private static void PrintPerFile(TextWriter o, IReadOnlyList<SkabDetectorResult> results)
    {
        foreach (var r in results)
        {
            o.WriteLine();
            o.WriteLine($"Per file: TwinGuard {r.Detector} (FP before/after = flagged normal rows before the anomaly and after it; delay = rows from its start to its first flagged row)");
            o.WriteLine($"{"file",-10} {"anomalous",9} {"TP",5} {"FN",5} {"FP",5} {"before",7} {"after",6} {"TN",5} {"delay",6}");
            foreach (var f in r.PerFile)
            {
                var delay = f.FirstFlagDelay is { } d ? d.ToString(CultureInfo.InvariantCulture) : "missed";
                o.WriteLine(Inv($"{f.Name,-10} {f.AnomalyRows,9} {f.Points.TruePositives,5} {f.Points.FalseNegatives,5} {f.Points.FalsePositives,5} {f.FalsePositivesBefore,7} {f.FalsePositivesAfter,6} {f.Points.TrueNegatives,5} {delay,6}"));
            }

            o.WriteLine(Inv($"{"all",-10} {r.PerFile.Sum(f => f.AnomalyRows),9} {r.Points.TruePositives,5} {r.Points.FalseNegatives,5} {r.Points.FalsePositives,5} {r.PerFile.Sum(f => f.FalsePositivesBefore),7} {r.PerFile.Sum(f => f.FalsePositivesAfter),6} {r.Points.TrueNegatives,5} {r.PerFile.Count(f => !f.Detected) + " missed",6}"));
        }
    }

    private static string ToJson(IReadOnlyList<SkabExperiment> experiments, IReadOnlyList<SkabDetectorResult> results,
        ChangePointScore perfect)
    {
        static object Cp(ChangePointScore s) => new
        {
            standard = Math.Round(s.Standard, 2),
            low_fp = Math.Round(s.LowFalsePositives, 2),
            low_fn = Math.Round(s.LowFalseNegatives, 2),
            missed = s.Missed,
            @false = s.FalseAlarms,
            windows = s.Windows,
        };

        var document = new
        {
            benchmark = "SKAB",
            files = experiments.Select(e => e.Name),
            training_rows_per_file = SkabEvaluator.TrainingRows,
            test_rows = experiments.Sum(e => e.Sensors.Rows - SkabEvaluator.TrainingRows),
            change_points = perfect.Windows,
            perfect_change_point_score = Cp(perfect),
            detectors = results.Select(r => new
            {
                name = r.Detector,
                f1 = Math.Round(r.Points.F1, 4),
                far_percent = Math.Round(r.Points.FalseAlarmRate, 2),
                mar_percent = Math.Round(r.Points.MissedAlarmRate, 2),
                tp = r.Points.TruePositives,
                fp = r.Points.FalsePositives,
                fn = r.Points.FalseNegatives,
                tn = r.Points.TrueNegatives,
                change_points_plain_edges = Cp(r.PlainEdges),
                change_points_rolling30_edges = Cp(r.RollingEdges),
                change_points_alarms = Cp(r.AlarmOnsets),
                seconds = Math.Round(r.Seconds, 3),
                per_file = r.PerFile.Select(f => new
                {
                    file = f.Name,
                    anomalous = f.AnomalyRows,
                    tp = f.Points.TruePositives,
                    fp = f.Points.FalsePositives,
                    fn = f.Points.FalseNegatives,
                    tn = f.Points.TrueNegatives,
                    fp_before_anomaly = f.FalsePositivesBefore,
                    fp_after_anomaly = f.FalsePositivesAfter,
                    first_flag_delay = f.FirstFlagDelay,
                }),
            }),
            published = SkabPublishedResult.All.Select(p => new
            {
                name = p.Name,
                f1 = p.F1,
                far_percent = p.FalseAlarmRate,
                mar_percent = p.MissedAlarmRate,
                change_points = p.Standard is null ? null : new
                {
                    rule = p.Name == "Isolation Forest" ? "rolling30" : "plain",
                    standard = p.Standard,
                    low_fp = p.LowFalsePositives,
                    low_fn = p.LowFalseNegatives,
                    missed = p.Missed,
                    @false = p.FalseAlarms,
                },
            }),
        };
        return JsonSerializer.Serialize(document);
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
