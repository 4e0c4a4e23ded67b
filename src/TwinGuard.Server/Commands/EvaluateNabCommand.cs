using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Server.Offline;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard evaluate nab --data DIR [--detector NAME] [--flagged-rows] [--json]</c>: NAB scores of the
/// <c>alarm</c> column that <c>detect</c> writes with its defaults.
/// </summary>
internal static class EvaluateNabCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "NAB corpus (folder holding windows.json and data/)", Required = true };
        var detector = new Option<string>("--detector")
        {
            Description = "Detector preset (" + string.Join(", ", DetectorCatalog.Names) + ")",
            DefaultValueFactory = _ => DetectorCatalog.Default,
        };
        var flagged = new Option<bool>("--flagged-rows")
        {
            Description = "Also score every flagged row as an alarm (what the alarm column adds)",
        };
        var online = new Option<bool>("--online") { Description = "Run detect --online --warmup <probation> instead of --train-rows <probation>" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the randomised detectors", DefaultValueFactory = _ => 42UL };
        var without = EvaluateCommand.WithoutOption();
        var alarmRate = EvaluateCommand.AlarmRateOption();
        var groups = new Option<bool>("--groups") { Description = "Also print the scores per category and per half of the corpus (always in --json)" };
        var json = CommonOptions.Json();
        var nab = new Command("nab", "Numenta Anomaly Benchmark: NAB scores of detect's alarm column")
        {
            data, detector, flagged, online, seed, without, alarmRate, groups, json,
        };
        nab.SetAction((parse, ct) =>
        {
            var name = parse.GetValue(detector)!;
            if (!DetectorCatalog.Names.Contains(name))
            {
                throw new CommandLineException($"--detector: unknown detector '{name}'; known: {string.Join(", ", DetectorCatalog.Names)}");
            }

            var variant = EvaluateCommand.Variant(parse.GetValue(without), parse.GetValue(alarmRate));
            var corpus = NabDataset.Load(parse.GetValue(data)!);
            var results = new List<NabDetectorResult>
            {
                NabEvaluator.Evaluate(name, corpus, parse.GetValue(seed), online: parse.GetValue(online), variant: variant),
            };
            if (parse.GetValue(flagged))
            {
                ct.ThrowIfCancellationRequested();
                results.Add(NabEvaluator.Evaluate(name, corpus, parse.GetValue(seed), everyFlaggedRow: true, online: parse.GetValue(online), variant: variant));
            }

            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    benchmark = "NAB",
                    files = corpus.Count,
                    windows = corpus.Sum(s => s.Windows.Count),
                    detectors = results.Select(r => new
                    {
                        name = r.Detector,
                        standard = Math.Round(r.Standard, 2),
                        low_fp = Math.Round(r.LowFalsePositives, 2),
                        low_fn = Math.Round(r.LowFalseNegatives, 2),
                        windows_scored = r.Windows,
                        windows_detected = r.Detected,
                        false_alarms = r.FalseAlarms,
                        seconds = Math.Round(r.Seconds, 3),
                        groups = r.Groups.Select(g => new
                        {
                            name = g.Detector,
                            standard = Math.Round(g.Standard, 2),
                            low_fp = Math.Round(g.LowFalsePositives, 2),
                            low_fn = Math.Round(g.LowFalseNegatives, 2),
                            windows_scored = g.Windows,
                            windows_detected = g.Detected,
                            false_alarms = g.FalseAlarms,
                        }),
                    }),
                    published = NabPublishedResult.All.Select(p => new
                    {
                        name = p.Name,
                        standard = p.Standard,
                        low_fp = p.LowFalsePositives,
                        low_fn = p.LowFalseNegatives,
                    }),
                }));
                return Task.FromResult(0);
            }

            var o = Console.Out;
            o.WriteLine(Inv($"NAB: {corpus.Count} files, {corpus.Sum(s => s.Windows.Count)} windows; detect --train-rows <probation> per file, alarm column scored"));
            o.WriteLine($"{"detector",-44} {"standard",9} {"low FP",8} {"low FN",8} {"found",9} {"false",6}");
            foreach (var r in results)
            {
                o.WriteLine(Inv($"{"TwinGuard " + r.Detector,-44} {r.Standard,9:0.00} {r.LowFalsePositives,8:0.00} {r.LowFalseNegatives,8:0.00} {r.Detected,4}/{r.Windows,-4} {r.FalseAlarms,6}"));
                foreach (var g in parse.GetValue(groups) ? r.Groups : [])
                {
                    o.WriteLine(Inv($"{"  " + g.Detector,-44} {g.Standard,9:0.00} {g.LowFalsePositives,8:0.00} {g.LowFalseNegatives,8:0.00} {g.Detected,4}/{g.Windows,-4} {g.FalseAlarms,6}"));
                }
            }

            foreach (var p in NabPublishedResult.All)
            {
                o.WriteLine(Inv($"{"published " + p.Name,-44} {p.Standard,9:0.00} {p.LowFalsePositives,8:0.00} {p.LowFalseNegatives,8:0.00}"));
            }

            return Task.FromResult(0);
        });
        return nab;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
