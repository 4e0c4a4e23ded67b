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
    public static DetectRequest Request(NabSeries series, string detector, ulong seed = 42, bool online = false)
    {
        ArgumentNullException.ThrowIfNull(series);
        var probation = NabScorer.Probation(series.Values.Rows);
        return new DetectRequest(
            series.Name,
            Output: "-",
            TrainFile: null,
            TrainRows: online ? null : probation,
            Online: online,
            WarmUp: probation,
            new CsvColumnSelection(TimeColumn: "timestamp"),
            detector,
            seed);
    }

    /// <summary>Evaluates <paramref name="detector"/>'s alarms on <paramref name="corpus"/>.</summary>
    /// <param name="detector">A <see cref="DetectorCatalog"/> preset.</param>
    /// <param name="corpus">The loaded files.</param>
    /// <param name="seed">Seed of randomised detectors.</param>
    /// <param name="everyFlaggedRow">Score every flagged row as an alarm instead of the <c>alarm</c> column (to measure what alarms add).</param>
    /// <param name="online">Learn as it goes (<c>--online</c>) after the probation.</param>
    public static NabDetectorResult Evaluate(string detector, IReadOnlyList<NabSeries> corpus, ulong seed = 42, bool everyFlaggedRow = false,
        bool online = false)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var clock = Stopwatch.StartNew();
        var perProfile = NabProfile.All.Select(_ => new List<NabFileScore>()).ToArray();
        foreach (var series in corpus)
        {
            var verdicts = OfflineDetection.Score(series.Values, series.ColumnNames, Request(series, detector, seed, online), null).Verdicts;
            var alarms = verdicts.Select(v => everyFlaggedRow ? v.IsAnomaly : v.Alarm).ToArray();
            for (var p = 0; p < NabProfile.All.Count; p++)
            {
                perProfile[p].Add(NabScorer.Score(alarms, series.Windows, NabProfile.All[p]));
            }
        }

        var standard = perProfile[0];
        return new NabDetectorResult(
            detector + (online ? " --online" : string.Empty) + (everyFlaggedRow ? " (every flagged row)" : string.Empty),
            NabScorer.Normalise(perProfile[0], NabProfile.All[0]),
            NabScorer.Normalise(perProfile[1], NabProfile.All[1]),
            NabScorer.Normalise(perProfile[2], NabProfile.All[2]),
            standard.Sum(f => f.Windows),
            standard.Sum(f => f.Detected),
            standard.Sum(f => f.FalseAlarms),
            clock.Elapsed.TotalSeconds);
    }
}
