using System.Diagnostics;
using TwinGuard.Detection;
using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Server.Offline;

/// <summary>Runs <c>twinguard detect</c> over SKAB with the leaderboard's protocol.</summary>
/// <remarks>
/// ../shared/datasets/README.md, "The leaderboard's protocol": for each experiment the first 400 rows train and the
/// rest are scored; every statistic the detector uses (standardisation, PCA, weights, thresholds, the inferred column
/// behaviour) is fitted on those 400 rows only. Each file goes through <see cref="OfflineDetection.Score"/> with the
/// request <c>detect --train-rows 400 --time-column datetime --exclude-columns anomaly,changepoint</c> would make, so
/// the figures are those of the product with its defaults: nothing here knows SKAB's columns.
/// </remarks>
internal static class SkabEvaluator
{
    /// <summary>Rows of each file used for training.</summary>
    public const int TrainingRows = 400;

    /// <summary>The request <c>twinguard detect</c> gets for one SKAB file under the protocol.</summary>
    public static DetectRequest Request(string file, string detector, ulong seed = 42, EvaluationVariant? variant = null)
    {
        var request = new DetectRequest(
            file,
            Output: "-",
            TrainFile: null,
            TrainRows: TrainingRows,
            Online: false,
            WarmUp: 256,
            new CsvColumnSelection(TimeColumn: "datetime", ExcludeColumns: ["anomaly", "changepoint"]),
            detector,
            seed);
        return variant is null ? request : variant.Apply(request);
    }

    /// <summary>The verdicts <c>detect</c> gives every row of <paramref name="experiment"/>.</summary>
    /// <param name="experiment">A loaded file.</param>
    /// <param name="detector">A <see cref="DetectorCatalog"/> preset.</param>
    /// <param name="seed">Seed of randomised detectors.</param>
    /// <param name="extraTraining">Rows prepended to the file's training rows (the separately labelled anomaly-free run).</param>
    /// <param name="variant">Pieces switched off and an extreme-value threshold (the contribution table), or null for the defaults.</param>
    public static IReadOnlyList<AnomalyVerdict> Detect(SkabExperiment experiment, string detector, ulong seed = 42,
        FeatureMatrix? extraTraining = null, EvaluationVariant? variant = null)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        var n = experiment.Sensors.Rows;
        if (n <= TrainingRows)
        {
            throw new InvalidDataException($"{experiment.Name}: {n} rows, the protocol needs more than {TrainingRows}");
        }

        var request = Request(experiment.Name, detector, seed, variant);
        if (extraTraining is null)
        {
            return OfflineDetection.Score(experiment.Sensors, experiment.SensorNames, request, null).Verdicts;
        }

        // detect --train FILE with the anomaly-free recording followed by the file's own training rows.
        var training = new FeatureMatrix([.. extraTraining.Values, .. experiment.Sensors.Slice(0, TrainingRows).Values],
            extraTraining.Rows + TrainingRows, experiment.Sensors.Columns);
        return OfflineDetection.Score(experiment.Sensors, experiment.SensorNames, request with { TrainRows = null, TrainFile = "-" }, training).Verdicts;
    }

    /// <summary>Evaluates <paramref name="detector"/> on <paramref name="experiments"/>.</summary>
    /// <param name="detector">A <see cref="DetectorCatalog"/> preset.</param>
    /// <param name="experiments">The loaded files.</param>
    /// <param name="seed">Seed of randomised detectors.</param>
    /// <param name="extraTraining">Rows prepended to every file's training rows (the separately labelled anomaly-free run).</param>
    /// <param name="variant">Pieces switched off and an extreme-value threshold (the contribution table), or null for the defaults.</param>
    public static SkabDetectorResult Evaluate(string detector, IReadOnlyList<SkabExperiment> experiments, ulong seed = 42,
        FeatureMatrix? extraTraining = null, EvaluationVariant? variant = null)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        var clock = Stopwatch.StartNew();
        var points = PointMetrics.Zero;
        var perFile = new List<SkabFileResult>(experiments.Count);
        var plain = new List<(long[], int[], bool[])>();
        var rolling = new List<(long[], int[], bool[])>();
        var alarms = new List<(long[], int[], bool[])>();
        foreach (var experiment in experiments)
        {
            var verdicts = Detect(experiment, detector, seed, extraTraining, variant);
            var predicted = verdicts.Skip(TrainingRows).Select(v => v.IsAnomaly).ToArray();
            var truth = experiment.Anomaly.AsSpan(TrainingRows);
            var file = SkabFileResult.From(experiment.Name, truth, predicted);
            perFile.Add(file);
            points = points.Add(file.Points);
            var seconds = experiment.Seconds[TrainingRows..];
            var changePoints = experiment.ChangePoint[TrainingRows..];
            plain.Add((seconds, changePoints, ChangePointScorer.PlainEdges(predicted)));
            rolling.Add((seconds, changePoints, ChangePointScorer.RollingMaxEdges(predicted)));
            alarms.Add((seconds, changePoints, verdicts.Skip(TrainingRows).Select(v => v.Alarm).ToArray()));
        }

        return new SkabDetectorResult(
            (extraTraining is null ? detector : detector + " (+anomaly-free training)") + (variant?.Label ?? string.Empty),
            points,
            ChangePointScorer.Score(plain),
            ChangePointScorer.Score(rolling),
            ChangePointScorer.Score(alarms),
            experiments.Count,
            clock.Elapsed.TotalSeconds,
            perFile);
    }

    /// <summary>The change-point score of predictions equal to the true change points (the protocol's ceiling).</summary>
    public static ChangePointScore PerfectChangePoints(IReadOnlyList<SkabExperiment> experiments)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        return ChangePointScorer.Score(experiments.Select(e =>
            (e.Seconds[TrainingRows..], e.ChangePoint[TrainingRows..], e.ChangePoint[TrainingRows..].Select(c => c != 0).ToArray())));
    }
}
