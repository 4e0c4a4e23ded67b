using TwinGuard.Detection.Features;
using TwinGuard.Detection.Profiling;

namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// A multivariate detector ready for a stream of rows: features over time, a fitted <see cref="IAnomalyDetector"/>, a
/// threshold calibrated on the training scores, smoothing of the decisions, and the column that drove each score.
/// </summary>
/// <remarks>
/// Rows must arrive in time order. <see cref="Fit"/> streams the training rows through the features, so the first
/// scored row's rolling window continues from the end of training; call <see cref="ResetStream"/> before a stream that
/// does not continue the training rows. Everything fitted comes from the training rows only. The first window − 1 rows
/// of a stream are scored but never flagged: their rolling statistics cover only part of a window. Not thread-safe: one
/// pipeline per stream (per asset).
/// </remarks>
public sealed class AnomalyPipeline
{
    /// <summary>
    /// Intervals that must each keep the beat of the one before for the next event to be routine (<see cref="RecurringOnsets"/>):
    /// two, so a cycle is seen three times (four events) before its repeats go quiet; one interval matching the one
    /// before happens by chance (one repeat cost NAB's development corpus two windows, docs/detection.md).
    /// </summary>
    private const int RecurringOnsetRepeats = 2;

    private readonly AnomalyPipelineOptions _options;
    private readonly TemporalFeatures _features;
    private readonly bool[] _recentFlags;
    private readonly double[] _featureRow;
    private readonly double[] _contributions;
    private readonly double[] _columnShare;
    private int _flagCursor;
    private int _votes;
    private int _recentCount;
    private bool _lastSmoothed;
    private readonly EpisodeEnd? _episodeEnd;
    private long _sinceAlarm = long.MaxValue;
    private readonly AnomalyLikelihood? _likelihood;
    private readonly RangeWatch? _range;
    private readonly RecurringOnsets? _recurring;
    private readonly TemporalFeatures? _companionFeatures;
    private readonly double[] _companionRow = [];
    private readonly AnomalyLikelihood? _companionLikelihood;
    private IAnomalyDetector? _companion;

    private AnomalyPipeline(AnomalyPipelineOptions options, int inputColumns, TemporalFeatureOptions features,
        IReadOnlyList<ColumnProfile> profiles, TemporalFeatureOptions? companionFeatures = null)
    {
        _options = options;
        FeatureOptions = features;
        Profiles = profiles;
        _features = new TemporalFeatures(inputColumns, features);
        _recentFlags = new bool[Math.Max(1, options.SmoothingWindow)];
        _episodeEnd = options.EpisodeEnd is { } episodeEnd ? new EpisodeEnd(episodeEnd, _recentFlags.Length) : null;
        _featureRow = new double[_features.OutputColumns];
        _contributions = new double[_features.OutputColumns];
        _columnShare = new double[inputColumns];
        _likelihood = options.Likelihood is { } likelihood ? new AnomalyLikelihood(likelihood) : null;
        _range = options.Likelihood is { } onsets && options.RangeTolerance is { } tolerance
            ? new RangeWatch(inputColumns, tolerance, Math.Max(2, onsets.MinHistory))
            : null;
        _recurring = options.Likelihood is { } beat && options.RecurrenceTolerance is { } recurrence
            ? new RecurringOnsets(recurrence, RecurringOnsetRepeats, beat.ShortWindow, options.RefractoryRows)
            : null;
        if (options.Likelihood is { } companionOnsets && companionFeatures is not null)
        {
            _companionFeatures = new TemporalFeatures(inputColumns, companionFeatures);
            _companionRow = new double[_companionFeatures.OutputColumns];
            _companionLikelihood = new AnomalyLikelihood(companionOnsets);
        }

        Detector = NewDetector();
        Threshold = new Thresholds.ScoreThreshold(1.0, "unfitted");
    }

    /// <summary>The fitted detector (over the derived features).</summary>
    public IAnomalyDetector Detector { get; private set; }

    /// <summary>The calibrated threshold.</summary>
    public Thresholds.ScoreThreshold Threshold { get; private set; }

    /// <summary>Number of input columns.</summary>
    public int InputColumns => _features.InputColumns;

    /// <summary>The temporal features in use: the options' own, adapted to the inferred column behaviour.</summary>
    public TemporalFeatureOptions FeatureOptions { get; }

    /// <summary>Each input column's inferred behaviour (empty when inference is off).</summary>
    public IReadOnlyList<ColumnProfile> Profiles { get; }

    /// <summary>The feature transform (for naming derived features).</summary>
    public TemporalFeatures Features => _features;

    /// <summary>
    /// Each input column's share (summing to 1) of the explanation of the last row decided by <see cref="Next(ReadOnlySpan{double})"/>
    /// or <see cref="Run"/>; valid until the next call. Allocation-free: read it before scoring the next row.
    /// </summary>
    public ReadOnlySpan<double> LastColumnShares => _columnShare;

    /// <summary>
    /// The feature rows the first fit learned from (<see cref="Fit"/>); null for a pipeline made by <see cref="Create"/>.
    /// A model is a deterministic function of its feature rows (<see cref="Propose"/>), so these rows are the model.
    /// </summary>
    public FeatureMatrix? TrainingRows { get; private set; }

    /// <summary>Verdicts on the training rows themselves, in order (useful to report them with the rest).</summary>
    public IReadOnlyList<AnomalyVerdict> TrainingVerdicts { get; private set; } = [];

    /// <summary>Fits a pipeline on <paramref name="training"/> (rows in time order, normal operation).</summary>
    public static AnomalyPipeline Fit(FeatureMatrix training, AnomalyPipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<ColumnProfile> profiles = [];
        var featureOptions = options.Features;
        var companionOptions = options.Likelihood is null ? null : options.Companion?.Features;
        if (options.Profiling is not null && featureOptions.Window > 1 && training.Rows >= 2)
        {
            // A cycle shorter than the rolling window is already inside its statistics.
            var inferred = ColumnProfiler.Infer(training, options.Profiling with
            {
                MinPeriod = Math.Max(options.Profiling.MinPeriod, featureOptions.Window + 1),
            });
            profiles = inferred;
            TemporalFeatureOptions Adapt(TemporalFeatureOptions given) => given with
            {
                LevelFreeColumns = [.. given.LevelFreeColumns.Union(Enumerable.Range(0, inferred.Length).Where(j => inferred[j].LevelFree))],
                Periods = Enumerable.Range(0, inferred.Length).Where(j => inferred[j].Period >= 2).ToDictionary(j => j, j => inferred[j].Period),
            };
            featureOptions = Adapt(featureOptions);
            companionOptions = companionOptions is null ? null : Adapt(companionOptions);
        }

        var pipeline = new AnomalyPipeline(options, training.Columns, featureOptions, profiles, companionOptions);
        pipeline._features.Reset();
        var features = pipeline._features.Transform(training);
        var rows = LearnableRows(features, pipeline._features);
        pipeline.TrainingRows = rows;
        pipeline.FitFeatures(rows);
        var scores = new double[features.Rows];
        pipeline.Detector.Score(features, scores);
        var companionScores = pipeline.FitCompanion(training, options.Companion);
        var verdicts = new AnomalyVerdict[features.Rows];
        for (var i = 0; i < features.Rows; i++)
        {
            var outside = pipeline._range?.Next(training.Row(i)) ?? false;
            verdicts[i] = pipeline.Decide(features.Row(i), scores[i], warm: i >= pipeline._features.WarmUpRows, outside,
                companionScores.Length > 0 ? companionScores[i] : double.NaN);
        }

        pipeline.TrainingVerdicts = verdicts;
        // The training rows are normal operation: an onset either likelihood raised there was a false one.
        pipeline._likelihood?.CalibrateOnNormalRows();
        pipeline._companionLikelihood?.CalibrateOnNormalRows();

        return pipeline;
    }

    /// <summary>
    /// The feature rows a model learns from: rows before the first full window have truncated statistics (a deviation
    /// of 0 over one row), and seasonal differences need a whole period behind them, so those rows are learned only
    /// when the training window is too short to leave them out.
    /// </summary>
    private static FeatureMatrix LearnableRows(FeatureMatrix features, TemporalFeatures transform)
    {
        var full = transform.FullHistoryRows;
        var skip = features.Rows - full >= Math.Max(2, features.Rows / 2) ? full : transform.WarmUpRows;
        return features.Rows - skip >= Math.Max(2, features.Rows / 2)
            ? features.Slice(skip, features.Rows - skip)
            : features;
    }

    /// <summary>Fits the onset companion on <paramref name="training"/> and returns its scores of those rows (empty without one).</summary>
    private double[] FitCompanion(FeatureMatrix training, OnsetCompanion? companion)
    {
        if (_companionFeatures is null || companion is null)
        {
            return [];
        }

        _companionFeatures.Reset();
        var features = _companionFeatures.Transform(training);
        var detector = companion.CreateDetector();
        if (detector is Sequence.ISequenceDetector sequence)
        {
            sequence.Window = _companionFeatures.Lags;
        }

        detector.Fit(LearnableRows(features, _companionFeatures));
        var scores = new double[features.Rows];
        detector.Score(features, scores);
        if (detector is Sequence.TemporalConvolutionForecaster { LearnedASequence: false })
        {
            // A forecaster no better than the last value or the mean on rows it did not train on sees no course to
            // break: its error measures the noise, which the state model already judges.
            return [];
        }

        _companion = detector;
        return scores;
    }

    /// <summary>
    /// An unfitted pipeline over <paramref name="inputColumns"/> inputs and the temporal <paramref name="features"/> a
    /// first fit chose (<see cref="FeatureOptions"/>), for a model restored from its feature rows (<see cref="Propose"/>,
    /// then <see cref="Adopt"/>): what a twin re-activated elsewhere does instead of a warm-up. It has no
    /// <see cref="Profiles"/>: those describe the training window, which a restore does not have.
    /// </summary>
    public static AnomalyPipeline Create(int inputColumns, AnomalyPipelineOptions options, TemporalFeatureOptions features)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputColumns);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(features);
        return new AnomalyPipeline(options, inputColumns, features, []);
    }

    /// <summary>The detector and threshold in use.</summary>
    public PipelineModel Model => new(Detector, Threshold);

    /// <summary>
    /// Refits the detector and the threshold on feature rows already derived by this pipeline's stream (see
    /// <see cref="Next(ReadOnlySpan{double}, Span{double})"/>); the stream state is kept.
    /// </summary>
    public void FitFeatures(FeatureMatrix featureRows) => Adopt(Propose(featureRows));

    /// <summary>Fits a detector and threshold on feature rows of this pipeline's stream without putting them in use.</summary>
    public PipelineModel Propose(FeatureMatrix featureRows)
    {
        ArgumentNullException.ThrowIfNull(featureRows);
        var detector = NewDetector();
        var scores = new double[featureRows.Rows];
        if (HeldOutScores(featureRows, scores))
        {
            detector.Fit(featureRows);
        }
        else
        {
            detector.FitAndScore(featureRows, scores);
        }
        return new PipelineModel(detector, _options.Threshold.Calibrate(scores));
    }

    /// <summary>
    /// Scores each of <see cref="ThresholdOptions.Folds"/> contiguous blocks of the rows with a detector fitted on the
    /// other blocks: a model scores its own training rows lower than rows it has not seen, so a threshold set on
    /// in-sample scores is too low for new data. False when there are too few rows for the folds.
    /// </summary>
    private bool HeldOutScores(FeatureMatrix rows, Span<double> scores)
    {
        var folds = _options.Threshold.Folds;
        if (folds < 2 || rows.Rows < folds * ThresholdOptions.MinRowsPerFold)
        {
            return false;
        }

        for (var k = 0; k < folds; k++)
        {
            var start = (int)((long)rows.Rows * k / folds);
            var end = (int)((long)rows.Rows * (k + 1) / folds);
            var kept = new FeatureMatrix(rows.Rows - (end - start), rows.Columns);
            rows.Values.AsSpan(0, start * rows.Columns).CopyTo(kept.Values);
            rows.Values.AsSpan(end * rows.Columns).CopyTo(kept.Values.AsSpan(start * rows.Columns));
            var detector = NewDetector();
            detector.Fit(kept);
            detector.Score(rows.Slice(start, end - start), scores[start..end]);
        }

        return true;
    }

    /// <summary>A new detector from the options, told where the window of lagged values lies when it reads one.</summary>
    private IAnomalyDetector NewDetector()
    {
        var detector = _options.CreateDetector();
        if (detector is Sequence.ISequenceDetector sequence)
        {
            sequence.Window = _features.Lags;
        }

        return detector;
    }

    /// <summary>Puts a model fitted by <see cref="Propose"/> in use; the stream state is kept.</summary>
    public void Adopt(PipelineModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        (Detector, Threshold) = (model.Detector, model.Threshold);
    }

    /// <summary>Starts a new stream: forgets the rolling window and the smoothing history.</summary>
    public void ResetStream()
    {
        _features.Reset();
        Array.Clear(_recentFlags);
        _flagCursor = 0;
        _votes = 0;
        _recentCount = 0;
        _lastSmoothed = false;
        _episodeEnd?.Reset();
        _sinceAlarm = long.MaxValue;
        _likelihood?.Reset();
        _range?.Reset();
        _recurring?.Reset();
        _companionFeatures?.Reset();
        _companionLikelihood?.Reset();
    }

    /// <summary>Scores the next row of the stream.</summary>
    public AnomalyVerdict Next(ReadOnlySpan<double> row) => Next(row, default);

    /// <summary>Scores the next row of the stream and copies its derived features to <paramref name="features"/>.</summary>
    public AnomalyVerdict Next(ReadOnlySpan<double> row, Span<double> features)
    {
        _features.Push(row, _featureRow);
        if (!features.IsEmpty)
        {
            _featureRow.CopyTo(features);
        }

        // One pass for the score and the explanation every verdict carries (its top column).
        var score = Detector.ScoreAndExplain(_featureRow, _contributions);
        var companionScore = double.NaN;
        if (_companion is not null && _companionFeatures is not null)
        {
            _companionFeatures.Push(row, _companionRow);
            companionScore = _companion.Score(_companionRow);
        }

        return Decide(score, _features.IsWarm, _range?.Next(row) ?? false, companionScore);
    }

    /// <summary>Scores every row of <paramref name="rows"/> in order (batch scoring of the detector).</summary>
    public AnomalyVerdict[] Run(FeatureMatrix rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var features = new FeatureMatrix(rows.Rows, _features.OutputColumns);
        var warm = new bool[rows.Rows];
        for (var i = 0; i < rows.Rows; i++)
        {
            _features.Push(rows.Row(i), features.Row(i));
            warm[i] = _features.IsWarm;
        }

        var scores = new double[rows.Rows];
        Detector.Score(features, scores);
        var companionScores = new double[rows.Rows];
        if (_companion is not null && _companionFeatures is not null)
        {
            _companion.Score(_companionFeatures.Transform(rows), companionScores);
        }
        else
        {
            Array.Fill(companionScores, double.NaN);
        }

        var verdicts = new AnomalyVerdict[rows.Rows];
        for (var i = 0; i < rows.Rows; i++)
        {
            verdicts[i] = Decide(features.Row(i), scores[i], warm[i], _range?.Next(rows.Row(i)) ?? false, companionScores[i]);
        }

        return verdicts;
    }

    /// <summary>Each input column's share of the score of the last derived feature row given.</summary>
    public void ExplainByColumn(ReadOnlySpan<double> featureRow, Span<double> shares)
    {
        Detector.Explain(featureRow, _contributions);
        SharesOfContributions(shares);
    }

    /// <summary>Sums <see cref="_contributions"/> (one per feature) into each input column's share.</summary>
    private void SharesOfContributions(Span<double> shares)
    {
        shares[..InputColumns].Clear();
        var total = 0.0;
        for (var f = 0; f < _contributions.Length; f++)
        {
            var c = double.IsFinite(_contributions[f]) ? Math.Max(0, _contributions[f]) : 0;
            shares[_features.SourceColumn(f)] += c;
            total += c;
        }

        if (total > 0)
        {
            for (var j = 0; j < InputColumns; j++)
            {
                shares[j] /= total;
            }
        }
    }

    private AnomalyVerdict Decide(ReadOnlySpan<double> featureRow, double score, bool warm, bool outsideRange, double companionScore)
    {
        Detector.Explain(featureRow, _contributions);
        return Decide(score, warm, outsideRange, companionScore);
    }

    /// <summary>Decides on a row whose feature contributions are in <see cref="_contributions"/>.</summary>
    /// <param name="score">The row's score.</param>
    /// <param name="warm">Whether the row's rolling window is full (else it is never flagged).</param>
    /// <param name="outsideRange">Whether a value of the row lies beyond its column's range so far (<see cref="RangeWatch"/>).</param>
    /// <param name="companionScore">The onset companion's score of the row (NaN without one).</param>
    private AnomalyVerdict Decide(double score, bool warm, bool outsideRange, double companionScore)
    {
        // Until the stream's first window is full the features are truncated: score, but do not decide.
        var raw = warm && Threshold.IsAnomaly(score);
        // The flags in the window, counted as they enter and leave it rather than recounted at every row.
        _votes += (raw ? 1 : 0) - (_recentFlags[_flagCursor] ? 1 : 0);
        _recentFlags[_flagCursor] = raw;
        _flagCursor = (_flagCursor + 1) % _recentFlags.Length;
        _recentCount = Math.Min(_recentCount + 1, _recentFlags.Length);
        var votes = _votes;

        // Majority of the rows seen so far in the window, ties flagged: a short window at the start still votes.
        var smoothed = _recentFlags.Length == 1 ? raw : 2 * votes >= _recentCount;
        if (_episodeEnd is not null)
        {
            smoothed = _episodeEnd.Next(EpisodeEnd.LogOddsOver(score, Threshold.Value), smoothed);
        }

        SharesOfContributions(_columnShare);
        var top = 0;
        for (var j = 1; j < _columnShare.Length; j++)
        {
            if (_columnShare[j] > _columnShare[top])
            {
                top = j;
            }
        }

        // An alarm marks an onset (the likelihood of the score stream, a value beyond its range, or without those the
        // start of a flagged episode), unless the last alarm is too recent: a flag that flickers raises one alarm.
        var episodeStart = smoothed && !_lastSmoothed;
        // Both likelihoods learn every row: evaluate both, never short-circuit.
        var companionOnset = _companionLikelihood?.Next(companionScore) ?? false;
        var onset = _likelihood is null
            ? episodeStart
            : (_likelihood.Next(score) | companionOnset | outsideRange) && warm;
        // An event that keeps the beat of the stream's last events was seen before: a routine, not an alarm.
        onset = _recurring?.Next(onset) ?? onset;
        var alarm = onset && _sinceAlarm > _options.RefractoryRows;
        _lastSmoothed = smoothed;
        _sinceAlarm = alarm ? 1 : _sinceAlarm == long.MaxValue ? long.MaxValue : _sinceAlarm + 1;
        return new AnomalyVerdict(score, smoothed, top, raw) { Alarm = alarm };
    }
}
