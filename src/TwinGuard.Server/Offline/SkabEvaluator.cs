using System.Diagnostics;
using TwinGuard.Detection;
using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Server.Offline;

/// <summary>Runs a detector preset over SKAB with the leaderboard's protocol.</summary>
/// <remarks>
/// ../shared/datasets/README.md, "The leaderboard's protocol": for each experiment the first 400 rows train and the
/// rest are scored; every statistic the detector uses (standardisation, PCA, weights, thresholds) is fitted on those
/// 400 rows only. The feature stream runs through the training rows into the test part, as a live deployment would.
/// The temporal presets treat Temperature and Thermocouple as level-free (only their rolling deviation and delta are
/// used): both drift slowly through an experiment, so their level says more about the time of day than about faults.
/// </remarks>
internal static class SkabEvaluator
{
    /// <summary>Rows of each file used for training.</summary>
    public const int TrainingRows = 400;

    /// <summary>The signals whose level is ignored by the temporal presets.</summary>
    public static IReadOnlyList<string> LevelFreeSignals { get; } = ["Temperature", "Thermocouple"];

    /// <summary>Evaluates <paramref name="detector"/> on <paramref name="experiments"/>.</summary>
    /// <param name="detector">A <see cref="DetectorCatalog"/> preset.</param>
    /// <param name="experiments">The loaded files.</param>
    /// <param name="seed">Seed of randomised detectors.</param>
    /// <param name="extraTraining">Rows prepended to every file's training rows (the separately labelled anomaly-free run).</param>
    public static SkabDetectorResult Evaluate(string detector, IReadOnlyList<SkabExperiment> experiments, ulong seed = 42,
        FeatureMatrix? extraTraining = null)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        var clock = Stopwatch.StartNew();
        var points = PointMetrics.Zero;
        var plain = new List<(long[], int[], bool[])>();
        var rolling = new List<(long[], int[], bool[])>();
        foreach (var experiment in experiments)
        {
            var levelFree = LevelFreeSignals.Select(s => experiment.SensorNames.ToList().IndexOf(s)).Where(i => i >= 0).ToArray();
            var options = DetectorCatalog.Create(detector, seed, levelFree);
            var n = experiment.Sensors.Rows;
            if (n <= TrainingRows)
            {
                throw new InvalidDataException($"{experiment.Name}: {n} rows, the protocol needs more than {TrainingRows}");
            }

            var training = experiment.Sensors.Slice(0, TrainingRows);
            if (extraTraining is not null)
            {
                training = new FeatureMatrix([.. extraTraining.Values, .. training.Values], extraTraining.Rows + TrainingRows, training.Columns);
            }

            var pipeline = AnomalyPipeline.Fit(training, options);
            var verdicts = pipeline.Run(experiment.Sensors.Slice(TrainingRows, n - TrainingRows));
            var predicted = verdicts.Select(v => v.IsAnomaly).ToArray();
            var truth = experiment.Anomaly.AsSpan(TrainingRows);
            points = points.Add(PointMetrics.Count(truth, predicted));
            var seconds = experiment.Seconds[TrainingRows..];
            var changePoints = experiment.ChangePoint[TrainingRows..];
            plain.Add((seconds, changePoints, ChangePointScorer.PlainEdges(predicted)));
            rolling.Add((seconds, changePoints, ChangePointScorer.RollingMaxEdges(predicted)));
        }

        return new SkabDetectorResult(
            extraTraining is null ? detector : detector + " (+anomaly-free training)",
            points,
            ChangePointScorer.Score(plain),
            ChangePointScorer.Score(rolling),
            experiments.Count,
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>The change-point score of predictions equal to the true change points (the protocol's ceiling).</summary>
    public static ChangePointScore PerfectChangePoints(IReadOnlyList<SkabExperiment> experiments)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        return ChangePointScorer.Score(experiments.Select(e =>
            (e.Seconds[TrainingRows..], e.ChangePoint[TrainingRows..], e.ChangePoint[TrainingRows..].Select(c => c != 0).ToArray())));
    }
}
