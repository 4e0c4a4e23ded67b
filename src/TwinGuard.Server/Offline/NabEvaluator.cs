using System.Diagnostics;
using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Server.Offline;

/// <summary>Runs <c>twinguard detect</c> over a NAB corpus and scores its <c>alarm</c> column with NAB's rules.</summary>
/// <remarks>
/// Each file goes through <see cref="OfflineDetection.Score"/> with the request
/// <c>detect --train-rows P --time-column timestamp</c> would make, P being NAB's probation (the rows NAB lets a
/// detector learn from): everything the detector fits comes from those rows, and every later row is scored causally.
/// </remarks>
internal static class NabEvaluator
{
    /// <summary>The request <c>twinguard detect</c> gets for one NAB file.</summary>
    /// <param name="series">The file.</param>
    /// <param name="detector">A <see cref="DetectorCatalog"/> preset.</param>
    /// <param name="seed">Seed of randomised detectors.</param>
    /// <param name="online"><c>--online --warmup P</c> instead of <c>--train-rows P</c>.</param>
    /// <param name="variant">Pieces switched off and an extreme-value threshold (the contribution table), or null for the defaults.</param>
    public static DetectRequest Request(NabSeries series, string detector, ulong seed = 42, bool online = false, EvaluationVariant? variant = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var probation = NabScorer.Probation(series.Values.Rows);
        var request = new DetectRequest(
            series.Name,
            Output: "-",
            TrainFile: null,
            TrainRows: online ? null : probation,
            Online: online,
            WarmUp: probation,
            new CsvColumnSelection(TimeColumn: "timestamp"),
            detector,
            seed);
        return variant is null ? request : variant.Apply(request);
    }

    /// <summary>Evaluates <paramref name="detector"/>'s alarms on <paramref name="corpus"/>.</summary>
    /// <param name="detector">A <see cref="DetectorCatalog"/> preset.</param>
    /// <param name="corpus">The loaded files.</param>
    /// <param name="seed">Seed of randomised detectors.</param>
    /// <param name="everyFlaggedRow">Score every flagged row as an alarm instead of the <c>alarm</c> column (to measure what alarms add).</param>
    /// <param name="online">Learn as it goes (<c>--online</c>) after the probation.</param>
    /// <param name="variant">Pieces switched off and an extreme-value threshold (the contribution table), or null for the defaults.</param>
    public static NabDetectorResult Evaluate(string detector, IReadOnlyList<NabSeries> corpus, ulong seed = 42, bool everyFlaggedRow = false,
        bool online = false, EvaluationVariant? variant = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var clock = Stopwatch.StartNew();
        var perProfile = NabProfile.All.Select(_ => new List<NabFileScore>()).ToArray();
        foreach (var series in corpus)
        {
            var verdicts = OfflineDetection.Score(series.Values, series.ColumnNames, Request(series, detector, seed, online, variant), null).Verdicts;
            var alarms = verdicts.Select(v => everyFlaggedRow ? v.IsAnomaly : v.Alarm).ToArray();
            for (var p = 0; p < NabProfile.All.Count; p++)
            {
                perProfile[p].Add(NabScorer.Score(alarms, series.Windows, NabProfile.All[p]));
            }
        }

        var name = detector + (online ? " --online" : string.Empty) + (variant?.Label ?? string.Empty)
            + (everyFlaggedRow ? " (every flagged row)" : string.Empty);
        var all = Enumerable.Range(0, corpus.Count).ToArray();
        return Group(name, perProfile, all, clock.Elapsed.TotalSeconds) with { Groups = [.. Groups(corpus).Select(g => Group(g.Name, perProfile, g.Files, 0))] };
    }

    /// <summary>
    /// The subsets a change is judged on besides the corpus: each category (a gain must not come from one or two files)
    /// and the two halves of the corpus in name order (files 1, 3, 5, ... and 2, 4, 6, ...): a setting chosen on one half
    /// is reported on the other (docs/detection.md, "Split halves").
    /// </summary>
    public static IEnumerable<(string Name, int[] Files)> Groups(IReadOnlyList<NabSeries> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        foreach (var category in corpus.Select(Category).Distinct(StringComparer.Ordinal))
        {
            yield return (category, [.. Enumerable.Range(0, corpus.Count).Where(i => Category(corpus[i]) == category)]);
        }

        yield return ("half A (odd files by name)", [.. Enumerable.Range(0, corpus.Count).Where(i => i % 2 == 0)]);
        yield return ("half B (even files by name)", [.. Enumerable.Range(0, corpus.Count).Where(i => i % 2 == 1)]);
    }

    private static string Category(NabSeries series) => series.Name.Split('/')[0];

    private static NabDetectorResult Group(string name, List<NabFileScore>[] perProfile, int[] files, double seconds)
    {
        var standard = files.Select(i => perProfile[0][i]).ToList();
        return new NabDetectorResult(
            name,
            NabScorer.Normalise(standard, NabProfile.All[0]),
            NabScorer.Normalise(files.Select(i => perProfile[1][i]), NabProfile.All[1]),
            NabScorer.Normalise(files.Select(i => perProfile[2][i]), NabProfile.All[2]),
            standard.Sum(f => f.Windows),
            standard.Sum(f => f.Detected),
            standard.Sum(f => f.FalseAlarms),
            seconds);
    }
}
