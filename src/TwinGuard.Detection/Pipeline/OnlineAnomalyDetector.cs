using System.Numerics.Tensors;
using TwinGuard.Detection.Features;

namespace TwinGuard.Detection.Pipeline;

/// <summary>
/// Learns as it goes: fits on a warm-up window, then scores each row and periodically refits on the recent rows it
/// accepted. It never learns from a row it flagged, nor from a row whose feature window contains a flagged row, so an
/// attack cannot teach the model that the attack is normal.
/// </summary>
/// <remarks>
/// <para>An attacker can still move a value so slowly that no row is flagged, and let each refit learn a little more of
/// the shift (slow poisoning): each refit widens the normal a little, and the next step of the drift fits inside it.
/// Against that, the model of the first fit is kept as the anchor, the commissioned normal. A refit whose rows the
/// anchor calls anomalous for more than <see cref="OnlineLearningOptions.MaxAnchorRejection"/> of them would learn a
/// normal the commissioned plant did not have; it is refused (<see cref="RefitRefused"/>) and the model in use is kept,
/// so the drift keeps standing out, until an operator accepts the new normal with <see cref="Rebaseline"/>.</para>
/// <para>Not thread-safe: one instance per stream.</para>
/// </remarks>
public sealed class OnlineAnomalyDetector
{
    /// <summary>Fewest unexplained rows the anchor check needs to judge a refit.</summary>
    private const int MinUnexplained = 100;

    /// <summary>Unexplained learned rows the anchor model judges at once, as they arrive (see <see cref="JudgeUnjudged"/>).</summary>
    private const int JudgeChunk = 16;

    private readonly AnomalyPipelineOptions _options;
    private readonly OnlineLearningOptions _learning;
    private readonly int _columns;
    private readonly List<double[]> _warmUp = [];
    private readonly List<long> _warmUpRows = [];
    private readonly AnomalyVerdict[] _verdict = new AnomalyVerdict[1];
    private double[] _featureRow = [];

    // The learned feature rows, oldest first from _historyStart, in one flat ring of History rows: remembering a row
    // copies it into place instead of allocating it (the twins push thousands of states a second each).
    private double[] _historyRows = [];
    private bool[] _historyExplained = [];
    private long[] _historyRowNumbers = [];
    private int _historyStart;
    private int _historyCount;

    // The anchor model's verdict on each learned row, judged JudgeChunk rows at a time as they are learned: a refit
    // used to score its whole history with the anchor inline, a spike of a millisecond in the twin's turn at every
    // retraining. The newest _unjudged rows of the history have no verdict yet, _unjudgedToScore of them unexplained
    // (only those are scored: a refit counts the verdicts of unexplained rows alone). Each row is scored once per
    // anchor, and not at all where the anchor's scores of it are already known (its own fit's, see KeepAnchorVerdicts).
    private bool[] _historyRejected = [];
    private int _unjudged;
    private int _unjudgedToScore;
    private FeatureMatrix? _judgeRows;
    private double[] _judgeScores = [];
    private AnomalyPipeline? _pipeline;
    private readonly Queue<double[]> _recent = new();
    private PipelineModel? _anchor;
    private FeatureMatrix? _anchorRows;
    private FeatureMatrix? _modelRows;
    private FeatureMatrix? _pendingRows;

    /// <summary>
    /// Rows of a model no longer in use that nothing else holds (never the anchor's, never rows a <see cref="Checkpoint"/>
    /// shared): the next refit copies its history into them instead of a new matrix. Each refit's copy is a
    /// large-object-heap array, and without this one went to the garbage, and a gen 2 collection, at every refit.
    /// </summary>
    private FeatureMatrix? _spareRows;

    /// <summary>True once a <see cref="Checkpoint"/> handed out <see cref="_modelRows"/>: they must not be reused.</summary>
    private bool _modelRowsShared;

    // The operation the stream offered since the last retraining (every unexplained row it may learn, flagged or not),
    // summed per feature: where its centre lies against the anchor's is the drift guard's measure (see Refit).
    private double[] _offeredSum = [];
    private int _offered;

    // The odds of the anchor's median score on its own training rows: the unit of the drift guard.
    private double _anchorTypicalOdds = 1;
    private Task<PipelineModel>? _pending;
    private int _pendingCountdown;
    private bool _rebaselining;
    private int _sinceFit;
    private long _sinceFlag = long.MaxValue / 2;
    private readonly List<OnlineDecision> _decisions = [];
    private long _row = -1;
    private int _flaggedRun;

    // The centres of the last two spans of AcceptAfter / 2 flagged rows (summed features): a new operating point is
    // accepted only when the later one lies where the earlier one did.
    private double[] _holdEarlier = [];
    private double[] _holdLater = [];
    private int _holdCount;
    private int _holdRows;
    private bool _holdEarlierFull;
    private bool _holdRefusedReported;

    // Each feature's standard deviation on the anchor's training rows: the unit in which a flagged run's centre must hold still.
    private double[] _anchorSpread = [];

    /// <summary>The farthest a flagged run's centre may move, in the anchor's deviations of a feature, between two halves of <see cref="OnlineLearningOptions.AcceptAfter"/> and still count as holding still.</summary>
    private const double MaxHeldShift = 1.0;

    /// <summary>Creates a detector for rows of <paramref name="columns"/> values.</summary>
    public OnlineAnomalyDetector(int columns, AnomalyPipelineOptions options, OnlineLearningOptions? learning = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentNullException.ThrowIfNull(options);
        _columns = columns;
        _options = options;
        _learning = learning ?? new OnlineLearningOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_learning.WarmUp, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_learning.RefitEvery);
        ArgumentOutOfRangeException.ThrowIfLessThan(_learning.History, _learning.WarmUp);
    }

    /// <summary>True once the warm-up window has been fitted.</summary>
    public bool IsFitted => _pipeline is not null;

    /// <summary>Rows of the warm-up in progress (those a <see cref="Checkpoint"/> would copy), 0 once fitted.</summary>
    public int WarmUpRows => _pipeline is null ? _warmUp.Count : 0;

    /// <summary>Number of refits after the first fit.</summary>
    public int Refits { get; private set; }

    /// <summary>Refits refused because the refitted model rejected too much of the anchor window.</summary>
    public int RefitsRefused { get; private set; }

    /// <summary>Refits refused in a row since the last one adopted.</summary>
    public int ConsecutiveRefusals { get; private set; }

    /// <summary>The fraction of the last refit's rows (adopted or refused) that the anchor model called anomalous.</summary>
    public double LastAnchorRejection { get; private set; }

    /// <summary>
    /// How far the centre of the operation offered since the previous retraining lies from the commissioned normal, in
    /// the anchor's own spread: the anchor's odds of the mean feature row over the odds of its median training row (1 =
    /// the centre has moved as far out as a typical commissioned state lies). 0 when too few rows were offered to judge.
    /// </summary>
    public double LastAnchorDrift { get; private set; }

    /// <summary>
    /// Refits adopted after their row (<see cref="OnlineLearningOptions.AdoptAfter"/>) because their fit was not done
    /// by then: the model in use scored those rows instead.
    /// </summary>
    public int AdoptedLate { get; private set; }

    /// <summary>
    /// The fit of a refit under way (null when none is). <see cref="Push"/> never waits for it; a caller that may wait
    /// (a replay, a test that pins the rows a model is adopted at) can, before the next row.
    /// </summary>
    public Task? PendingFit => _pending;

    /// <summary>Grows by one at every change of the anchor or of the model in use (fit, adopted refit, rebaseline).</summary>
    public int ModelGeneration { get; private set; }

    /// <summary>Raised when a refit is refused, with the fraction of its rows that the anchor model called anomalous.</summary>
    public event Action<double>? RefitRefused;

    /// <summary>Raised with every decision as it is taken (<see cref="Decisions"/> keeps at most <see cref="MaxDecisions"/>).</summary>
    public event Action<OnlineDecision>? Decided;

    /// <summary>Rows learned from after the warm-up (accepted as normal).</summary>
    public long Learned { get; private set; }

    /// <summary>Refused refits and accepted operating points, in order (at most <see cref="MaxDecisions"/> kept).</summary>
    public IReadOnlyList<OnlineDecision> Decisions => _decisions;

    /// <summary>Most decisions kept for the report.</summary>
    public const int MaxDecisions = 1000;

    /// <summary>The current pipeline, null during warm-up.</summary>
    public AnomalyPipeline? Pipeline => _pipeline;

    /// <summary>
    /// Adds the next row. During warm-up nothing is returned until the window is full; then the warm-up rows' verdicts
    /// are returned at once. Afterwards each call returns the row's verdict, in a list that is reused: read it before
    /// the next call.
    /// </summary>
    /// <param name="row">The row.</param>
    /// <param name="explained">
    /// True when something outside the model vouches for the row (the twin's physics relations hold for it): such a row
    /// is a new operating point the physics explains, so it is learned but does not count against a refit in the anchor
    /// check, which judges only what nothing else can explain.
    /// </param>
    /// <param name="learn">
    /// False for a row that must never be learned (an analyst confirmed it as an attack's, or it holds a value the caller
    /// no longer trusts): scored only. It is not learned, nor is any feature row whose window holds it, it does not count
    /// toward the next refit, and it ends a hold (<see cref="OnlineLearningOptions.AcceptAfter"/>).
    /// </param>
    public IReadOnlyList<AnomalyVerdict> Push(ReadOnlySpan<double> row, bool explained = false, bool learn = true)
    {
        if (row.Length != _columns)
        {
            throw new ArgumentException($"expected {_columns} values, got {row.Length}", nameof(row));
        }

        _row++;
        if (_pipeline is null)
        {
            if (!learn)
            {
                return [];
            }

            _warmUp.Add(row.ToArray());
            _warmUpRows.Add(_row);
            if (_warmUp.Count < _learning.WarmUp)
            {
                return [];
            }

            var training = FeatureMatrix.FromRows(_warmUp);
            _pipeline = AnomalyPipeline.Fit(training, _options);
            AllocateHistory(_pipeline);
            var transform = new TemporalFeatures(_columns, _pipeline.FeatureOptions);
            var features = transform.Transform(training);
            var first = Math.Min(transform.WarmUpRows, features.Rows - 2);
            for (var i = first; i < features.Rows; i++)
            {
                Remember(features.Row(i), explained: false, _warmUpRows[i]);
            }

            _anchor = _pipeline.Model;
            _anchorRows = _modelRows = _pipeline.TrainingRows;
            MeasureAnchor();
            // The warm-up rows were learned before there was an anchor, and the fit scored every one of them with it
            // (its training verdicts, from the same feature rows): their verdicts are those scores, not a second scoring.
            var verdicts = _pipeline.TrainingVerdicts;
            for (var i = 0; i < _historyCount; i++)
            {
                _historyRejected[(_historyStart + i) % _learning.History] = _anchor.Threshold.IsAnomaly(verdicts[first + i].Score);
            }

            (_unjudged, _unjudgedToScore) = (0, 0);
            ModelGeneration++;

            // The stream goes on from the warm-up's last rows: a checkpoint taken before a period has passed since the
            // fit must still hold the last period of every differenced column, or a restored detector would difference
            // its first period of rows against the first row it replays.
            foreach (var warmUpRow in _warmUp.Skip(Math.Max(0, _warmUp.Count - RecentRowsKept)))
            {
                RememberRecent(warmUpRow);
            }

            _warmUp.Clear();
            _warmUpRows.Clear();
            return _pipeline.TrainingVerdicts;
        }

        RememberRecent(row);
        var featureRow = _featureRow;
        var verdict = _pipeline.Next(row, featureRow);
        // A row never to be learned taints the feature rows that summarise it as a flagged row does, and is no part of
        // a hold: a value the caller froze (a quarantined signal's, an attack's) must not make an operating point look
        // like it holds still.
        _sinceFlag = verdict.RawAnomaly || verdict.IsAnomaly || !learn ? 0 : _sinceFlag + 1;
        _flaggedRun = verdict.IsAnomaly ? _flaggedRun + 1 : 0;
        if (!learn)
        {
            RestartHold();
        }
        else if (_learning.AcceptAfter > 0 && !_rebaselining && HeldStill(verdict.IsAnomaly, featureRow) is { } moved && _flaggedRun >= _learning.AcceptAfter)
        {
            if (moved <= MaxHeldShift && _learning.AlarmsElsewhere?.Invoke(_flaggedRun) is { } elsewhere)
            {
                // Holding still, but not alone: something else alarmed meanwhile, so this may be part of an attack.
                Decide("new_operating_point_refused", FormattableString.Invariant(
                    $"every row flagged for {_flaggedRun} rows and its centre held within {moved:0.00} commissioned deviations over the last {_holdRows} rows, but {elsewhere} during the hold: not accepted, the hold starts again"));
                RestartHold();
            }
            else if (moved <= MaxHeldShift)
            {
                // Every row flagged for that long, and the operation standing still: not an incident that ends, a new
                // way of running. Learn it as the commissioning was learned, and say so.
                Decide("new_operating_point_accepted", FormattableString.Invariant(
                    $"every row flagged for {_flaggedRun} rows and its centre held within {moved:0.00} commissioned deviations over the last {_holdRows} rows{(_learning.AlarmsElsewhere is null ? string.Empty : ", with no alarm elsewhere during the hold")}; the next {_learning.WarmUp} rows become the new normal"));
                Rebaseline();
                (_flaggedRun, _holdRefusedReported) = (0, false);
            }
            else if (!_holdRefusedReported)
            {
                // Still moving: a creep that has outrun the model is not an operating point, whatever its length.
                Decide("new_operating_point_refused", FormattableString.Invariant(
                    $"every row flagged for {_flaggedRun} rows, but its centre moved {moved:0.00} commissioned deviations over the last {_holdRows} rows: not holding still"));
                _holdRefusedReported = true;
            }
        }

        // The row's features summarise the last Window rows: learn only when none of them was flagged (or when an
        // operator has declared the current operation normal).
        if (learn && (_rebaselining || _sinceFlag >= Math.Max(1, _options.Features.Window)))
        {
            Remember(featureRow, explained, _row);
            Learned++;
        }

        if (learn && !explained && !_rebaselining)
        {
            // Flagged rows count too: what the stream offers, not what the flags let through, so the guard's judgement
            // does not depend on where the threshold line sits or when an episode ends.
            TensorPrimitives.Add(_offeredSum, featureRow, _offeredSum);
            _offered++;
        }

        if (_rebaselining)
        {
            if (_historyCount >= _learning.WarmUp)
            {
                _anchorRows = _modelRows = History();
                _anchor = _pipeline.Propose(_anchorRows);
                _pipeline.Adopt(_anchor);
                // The history is the new anchor's training rows, which MeasureAnchor scores with it anyway: those scores
                // are the verdicts (the rows were judged by the old anchor, or not at all while rebaselining).
                KeepAnchorVerdicts(MeasureAnchor());
                ModelGeneration++;
                (_rebaselining, _sinceFit, LastAnchorRejection) = (false, 0, 0);
                Refits++;
            }
        }
        else if (_pending is not null)
        {
            if (--_pendingCountdown <= 0 && _pending.IsCompleted)
            {
                // Adopted at a fixed row when the fit is done by then (a fit beside a stream that keeps up always is).
                // Never waited for: the caller may be a broker connection's thread, and a wait there is a spike of a
                // whole fit (more under load, when the fit's thread is not scheduled). A late fit is adopted at the
                // first row it is done; the rows since its row count toward the next refit, which so starts where it
                // would have.
                _pipeline.Adopt(_pending.GetAwaiter().GetResult());
                ReplaceModelRows(_pendingRows);
                AdoptedLate += _pendingCountdown < 0 ? 1 : 0;
                (_pending, _sinceFit) = (null, -_pendingCountdown);
                ModelGeneration++;
                ConsecutiveRefusals = 0;
                Refits++;
            }
        }
        else if (learn && ++_sinceFit >= _learning.RefitEvery && _historyCount >= _learning.WarmUp)
        {
            _sinceFit = 0;
            Refit();
        }

        _verdict[0] = verdict;
        return _verdict;
    }

    /// <summary>
    /// Accepts that normal operation has changed (an operator's decision, like commissioning): the next
    /// <see cref="OnlineLearningOptions.WarmUp"/> rows are learned whatever their verdicts, and the model fitted on
    /// them is put in use and becomes the new anchor. Until then the model in use keeps scoring.
    /// </summary>
    public void Rebaseline()
    {
        _pending = null; // a refit of the old normal is not adopted
        (_historyStart, _historyCount, _unjudged, _unjudgedToScore) = (0, 0, 0, 0);
        _rebaselining = true;
    }

    private void Refit()
    {
        var recent = History();
        var (unexplained, rejected) = AnchorVerdicts();

        // Judged on the rows nothing else explains; when nearly all are explained there is nothing left to judge. The
        // same fraction as the anchor's PipelineModel.RejectionRate of those rows (its verdicts, counted).
        LastAnchorRejection = unexplained >= MinUnexplained ? (double)rejected / unexplained : 0;
        LastAnchorDrift = OfferedDrift();
        if (LastAnchorRejection > _learning.MaxAnchorRejection || LastAnchorDrift > _learning.MaxAnchorDrift)
        {
            RefitsRefused++;
            ConsecutiveRefusals++;
            Decide("refit_refused", FormattableString.Invariant(
                $"the anchor model calls {LastAnchorRejection:P0} of the rows anomalous; the recent operation's centre lies {LastAnchorDrift:0.00} typical commissioned deviations out"));
            RefitRefused?.Invoke(LastAnchorRejection);
            return;
        }

        if (_learning.AdoptAfter > 0)
        {
            // The fit works on its own copy of the rows and makes a new detector: nothing it touches is in use. On a thread
            // of its own, not the pool's: the row that adopts it waits for it on a pool thread (a twin's turn), and when
            // every twin reaches that row at once (they refit at the same row) their waits held every pool thread while
            // the fits queued behind them, until the pool grew a thread at a time (a 2.5 s stall of the whole process).
            var pipeline = _pipeline!;
            _pending = Task.Factory.StartNew(() => pipeline.Propose(recent), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            (_pendingCountdown, _pendingRows) = (_learning.AdoptAfter, recent);
            return;
        }

        _pipeline!.Adopt(_pipeline.Propose(recent));
        ReplaceModelRows(recent);
        ModelGeneration++;
        ConsecutiveRefusals = 0;
        Refits++;
    }

    /// <summary>
    /// The anchor's odds of the centre of the rows offered since the last call, over its odds of a typical (median)
    /// training row; starts a new window. 0 with fewer than <see cref="MinUnexplained"/> rows.
    /// </summary>
    /// <remarks>
    /// The centre of a window averages the noise away, so it moves only when the operation moves. Measured against the
    /// anchor, not the model in use, it is cumulative over retrainings: a creep adopted a step at a time still adds up.
    /// </remarks>
    private double OfferedDrift()
    {
        var (offered, anchor) = (_offered, _anchor);
        _offered = 0;
        if (offered < MinUnexplained || anchor is null)
        {
            Array.Clear(_offeredSum);
            return 0;
        }

        TensorPrimitives.Multiply(_offeredSum, 1.0 / offered, _offeredSum);
        var odds = Odds(anchor.Detector.Score(_offeredSum));
        Array.Clear(_offeredSum);
        return odds / _anchorTypicalOdds;
    }

    /// <summary>
    /// The anchor's median score on its own training rows, the unit of <see cref="LastAnchorDrift"/>; starts a new window.
    /// Returns the anchor's scores of its training rows, in order.
    /// </summary>
    private double[] MeasureAnchor()
    {
        var rows = _anchorRows!;
        var scores = new double[rows.Rows];
        _anchor!.Detector.Score(rows, scores);
        _anchorTypicalOdds = Math.Max(Odds(Thresholds.ScoreThreshold.QuantileOf(scores, 0.5)), 1e-12);
        for (var j = 0; j < rows.Columns; j++)
        {
            var (mean, m2) = (0.0, 0.0);
            for (var i = 0; i < rows.Rows; i++)
            {
                var delta = rows.Row(i)[j] - mean;
                mean += delta / (i + 1);
                m2 += delta * (rows.Row(i)[j] - mean);
            }

            // A feature constant at commissioning: any move of it counts, in units of its level.
            var sd = Math.Sqrt(m2 / Math.Max(1, rows.Rows));
            _anchorSpread[j] = sd > 1e-12 * Math.Max(1.0, Math.Abs(mean)) ? sd : Math.Max(1e-12, 1e-6 * Math.Abs(mean));
        }

        Array.Clear(_offeredSum);
        _offered = 0;
        return scores;
    }

    /// <summary>The anchor's verdicts on the whole history from its <paramref name="scores"/> of those rows, oldest first: nothing left to judge.</summary>
    private void KeepAnchorVerdicts(double[] scores)
    {
        for (var i = 0; i < _historyCount; i++)
        {
            _historyRejected[(_historyStart + i) % _learning.History] = _anchor!.Threshold.IsAnomaly(scores[i]);
        }

        (_unjudged, _unjudgedToScore) = (0, 0);
    }

    /// <summary>
    /// Follows the flagged run in spans of <see cref="OnlineLearningOptions.AcceptAfter"/> / 2 rows; at the end of each
    /// span after the first, returns how far its centre lies from the span before's, in the anchor's deviations (the
    /// largest over features), else null. A run that ends starts afresh.
    /// </summary>
    private double? HeldStill(bool flagged, ReadOnlySpan<double> featureRow)
    {
        if (!flagged)
        {
            (_holdCount, _holdEarlierFull, _holdRefusedReported) = (0, false, false);
            Array.Clear(_holdLater);
            return null;
        }

        _holdRows = Math.Max(1, _learning.AcceptAfter / 2);
        TensorPrimitives.Add(_holdLater, featureRow, _holdLater);
        if (++_holdCount < _holdRows)
        {
            return null;
        }

        double? moved = null;
        if (_holdEarlierFull)
        {
            var largest = 0.0;
            for (var j = 0; j < _holdLater.Length; j++)
            {
                largest = Math.Max(largest, Math.Abs(_holdLater[j] - _holdEarlier[j]) / _holdRows / _anchorSpread[j]);
            }

            moved = largest;
        }

        (_holdEarlier, _holdLater, _holdCount, _holdEarlierFull) = (_holdLater, _holdEarlier, 0, true);
        Array.Clear(_holdLater);
        return moved;
    }

    /// <summary>The flagged run counts from the next row again, and its centre is followed afresh.</summary>
    private void RestartHold()
    {
        (_flaggedRun, _holdCount, _holdEarlierFull) = (0, 0, false);
        Array.Clear(_holdLater);
    }

    private static double Odds(double score) => score >= 1 ? double.MaxValue : Math.Max(score, 0) / (1 - score);

    /// <summary>The model in use now learned <paramref name="rows"/>: the rows it replaces are kept for the next refit's copy when nothing else holds them.</summary>
    private void ReplaceModelRows(FeatureMatrix? rows)
    {
        if (_modelRows is { } old && !_modelRowsShared && !ReferenceEquals(old, _anchorRows) && !ReferenceEquals(old, rows))
        {
            _spareRows = old;
        }

        (_modelRows, _modelRowsShared) = (rows, false);
    }

    /// <summary>What this detector has learned (see <see cref="OnlineCheckpoint"/>); the rows are shared, not copied.</summary>
    public OnlineCheckpoint Checkpoint()
    {
        _modelRowsShared = _modelRows is not null;
        return CheckpointOf();
    }

    private OnlineCheckpoint CheckpointOf() => new(
        ModelGeneration,
        _pipeline is null ? [.. _warmUp] : [],
        _anchorRows,
        _modelRows,
        [.. _recent.Select(r => r.ToArray())],
        new OnlineCounters(Refits, RefitsRefused, ConsecutiveRefusals, Learned, _sinceFit, _sinceFlag, _rebaselining, _flaggedRun, AdoptedLate))
    {
        LevelFreeColumns = _pipeline?.FeatureOptions.LevelFreeColumns,
        Periods = _pipeline?.FeatureOptions.Periods,
    };

    /// <summary>
    /// Continues from a <see cref="Checkpoint"/> of a detector with the same columns and options: refits the anchor and
    /// the model in use on their rows (deterministic, so the same models) over the features the first fit chose,
    /// replays the recent rows to refill the rolling window and takes over the counters. The learned history starts
    /// empty: the next retraining waits for a fresh window. Call it on a fresh detector, before the first <see cref="Push"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The checkpoint's rows do not have this detector's columns.</exception>
    public void Restore(OnlineCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (_pipeline is not null || _warmUp.Count > 0)
        {
            throw new InvalidOperationException("restore a checkpoint into a fresh detector");
        }

        if (checkpoint.WarmUp.Concat(checkpoint.Recent).Any(r => r.Length != _columns) || checkpoint.WarmUp.Count >= _learning.WarmUp)
        {
            throw new ArgumentException($"the checkpoint's raw rows do not fit a detector of {_columns} columns and a warm-up of {_learning.WarmUp}", nameof(checkpoint));
        }

        ModelGeneration = checkpoint.Generation;
        if (checkpoint.Anchor is not { } anchorRows || checkpoint.Model is not { } modelRows)
        {
            foreach (var warmUpRow in checkpoint.WarmUp)
            {
                _warmUp.Add(warmUpRow.ToArray());
                _warmUpRows.Add(++_row); // numbered as if pushed again, so a confirmed attack's rows can still be forgotten
            }

            return;
        }

        var features = _options.Features with
        {
            LevelFreeColumns = checkpoint.LevelFreeColumns ?? _options.Features.LevelFreeColumns,
            Periods = checkpoint.Periods ?? _options.Features.Periods,
        };
        if (features.LevelFreeColumns.Concat(features.Periods.Keys).Any(c => c < 0 || c >= _columns) || features.Periods.Values.Any(p => p < 2))
        {
            throw new ArgumentException($"the checkpoint's feature options name columns outside 0..{_columns - 1} or a period below 2", nameof(checkpoint));
        }

        var pipeline = AnomalyPipeline.Create(_columns, _options, features);
        if (anchorRows.Columns != pipeline.Features.OutputColumns || modelRows.Columns != anchorRows.Columns)
        {
            throw new ArgumentException($"the checkpoint's feature rows have {anchorRows.Columns} columns, the detector's features {pipeline.Features.OutputColumns}", nameof(checkpoint));
        }

        _anchor = pipeline.Propose(anchorRows);
        pipeline.Adopt(ReferenceEquals(modelRows, anchorRows) ? _anchor : pipeline.Propose(modelRows));
        (_pipeline, _anchorRows, _modelRows, _modelRowsShared) = (pipeline, anchorRows, modelRows, true); // the checkpoint's rows: its owner holds them
        AllocateHistory(pipeline);
        MeasureAnchor();
        // The rows before the last rolling window and smoothing only refill the features' history (the seasonal
        // differences' period): scored, their truncated windows could open an episode the original never had.
        var scoredFrom = checkpoint.Recent.Count - (pipeline.Features.WarmUpRows + 1 + _options.SmoothingWindow);
        for (var i = 0; i < checkpoint.Recent.Count; i++)
        {
            var row = checkpoint.Recent[i];
            RememberRecent(row);
            if (i < scoredFrom)
            {
                pipeline.Features.Push(row, _featureRow);
            }
            else
            {
                pipeline.Next(row);
            }
        }

        var c = checkpoint.Counters;
        (Refits, RefitsRefused, ConsecutiveRefusals, Learned) = (c.Refits, c.RefitsRefused, c.ConsecutiveRefusals, c.Learned);
        AdoptedLate = Math.Max(0, c.AdoptedLate);
        (_sinceFit, _sinceFlag, _rebaselining, _flaggedRun) = (Math.Max(0, c.SinceFit), Math.Max(0, c.SinceFlag), c.Rebaselining, Math.Max(0, c.FlaggedRun));
    }

    private void AllocateHistory(AnomalyPipeline pipeline)
    {
        _featureRow = new double[pipeline.Features.OutputColumns];
        _offeredSum = new double[_featureRow.Length];
        _anchorSpread = new double[_featureRow.Length];
        (_holdEarlier, _holdLater) = (new double[_featureRow.Length], new double[_featureRow.Length]);
        _historyRows = new double[_learning.History * _featureRow.Length];
        _historyExplained = new bool[_learning.History];
        _historyRowNumbers = new long[_learning.History];
        _historyRejected = new bool[_learning.History];
        _judgeRows = new FeatureMatrix(JudgeChunk, _featureRow.Length);
        _judgeScores = new double[JudgeChunk];
    }

    /// <summary>
    /// Rows a restore must replay: the rolling window and the seasonal history (the longest period, at most
    /// <see cref="Profiling.ColumnProfilerOptions.MaxPeriod"/> or half the warm-up when inferred), then the smoothing.
    /// </summary>
    private int RecentRowsKept => _pipeline!.Features.FullHistoryRows + 1 + _options.SmoothingWindow;

    /// <summary>Keeps the last <see cref="RecentRowsKept"/> rows.</summary>
    private void RememberRecent(ReadOnlySpan<double> row)
    {
        // The oldest row's array is reused: no allocation per row once the queue is full.
        var slot = _recent.Count >= RecentRowsKept ? _recent.Dequeue() : new double[row.Length];
        row.CopyTo(slot);
        _recent.Enqueue(slot);
    }

    private void Decide(string decision, string detail)
    {
        var taken = new OnlineDecision(_row, decision, detail);
        if (_decisions.Count < MaxDecisions)
        {
            _decisions.Add(taken);
        }

        Decided?.Invoke(taken);
    }

    /// <summary>
    /// Forgets the learned rows pushed between <paramref name="firstRow"/> and <paramref name="lastRow"/> (0-based push
    /// numbers, inclusive): an analyst confirmed them as an attack's, so no refit may learn them. A refit under way on
    /// rows that included them is dropped (the next one runs without them).
    /// </summary>
    /// <returns>How many learned rows were forgotten.</returns>
    public int Forget(long firstRow, long lastRow)
    {
        var kept = 0;
        var keptUnjudged = 0;
        var keptToScore = 0;
        var width = _featureRow.Length;
        for (var i = 0; i < _historyCount; i++)
        {
            var slot = (_historyStart + i) % _learning.History;
            if (_historyRowNumbers[slot] >= firstRow && _historyRowNumbers[slot] <= lastRow)
            {
                continue;
            }

            var unjudged = i >= _historyCount - _unjudged; // the unjudged rows stay the newest
            keptUnjudged += unjudged ? 1 : 0;
            keptToScore += unjudged && !_historyExplained[slot] ? 1 : 0;

            // Compacting in place, oldest first: the write slot never runs ahead of the read slot.
            var to = (_historyStart + kept) % _learning.History;
            if (to != slot)
            {
                _historyRows.AsSpan(slot * width, width).CopyTo(_historyRows.AsSpan(to * width, width));
                _historyExplained[to] = _historyExplained[slot];
                _historyRowNumbers[to] = _historyRowNumbers[slot];
                _historyRejected[to] = _historyRejected[slot];
            }

            kept++;
        }

        var forgotten = _historyCount - kept;
        (_historyCount, _unjudged, _unjudgedToScore) = (kept, keptUnjudged, keptToScore);
        if (forgotten > 0 && _pending is not null)
        {
            _pending = null;
            _sinceFit = 0;
        }

        return forgotten;
    }

    /// <summary>The number of rows pushed so far, minus one: the push number of the last row.</summary>
    public long LastRow => _row;

    private void Remember(ReadOnlySpan<double> featureRow, bool explained, long rowNumber)
    {
        var slot = (_historyStart + _historyCount) % _learning.History;
        if (_historyCount == _learning.History)
        {
            _historyStart = (_historyStart + 1) % _learning.History; // the oldest row gives way
        }
        else
        {
            _historyCount++;
        }

        featureRow.CopyTo(_historyRows.AsSpan(slot * featureRow.Length, featureRow.Length));
        _historyExplained[slot] = explained;
        _historyRowNumbers[slot] = rowNumber;
        _unjudged = Math.Min(_unjudged + 1, _historyCount);
        _unjudgedToScore += explained ? 0 : 1;
        if (_unjudgedToScore >= JudgeChunk && !_rebaselining)
        {
            // While rebaselining the anchor is about to change: its successor judges these rows.
            JudgeUnjudged();
        }
    }

    /// <summary>
    /// The anchor's verdicts on every unjudged row of the history: the unexplained ones scored in batches of
    /// <see cref="JudgeChunk"/> (a detector's batch score of a row does not depend on the rows beside it), the explained
    /// ones marked not rejected without a score (a refit never reads their verdict).
    /// </summary>
    private void JudgeUnjudged()
    {
        if (_anchor is not { } anchor)
        {
            return;
        }

        var width = _featureRow.Length;
        var batch = _judgeRows!;
        Span<int> slots = stackalloc int[JudgeChunk];
        var first = _historyCount - _unjudged;
        var gathered = 0;
        for (var i = 0; i < _unjudged; i++)
        {
            var slot = (_historyStart + first + i) % _learning.History;
            _historyRejected[slot] = false;
            if (_historyExplained[slot])
            {
                continue;
            }

            _historyRows.AsSpan(slot * width, width).CopyTo(batch.Row(gathered));
            slots[gathered++] = slot;
            if (gathered == JudgeChunk)
            {
                Judge(anchor, batch, _judgeScores, slots);
                gathered = 0;
            }
        }

        if (gathered > 0)
        {
            // The last, partial batch: at a refit, or where explained rows were forgotten in between.
            var partial = new FeatureMatrix(batch.Values.AsSpan(0, gathered * width).ToArray(), gathered, width);
            Judge(anchor, partial, _judgeScores.AsSpan(0, gathered), slots[..gathered]); // a score slot per row: some detectors read the length
        }

        (_unjudged, _unjudgedToScore) = (0, 0);
    }

    private void Judge(PipelineModel anchor, FeatureMatrix rows, Span<double> scores, ReadOnlySpan<int> slots)
    {
        anchor.Detector.Score(rows, scores);
        for (var i = 0; i < slots.Length; i++)
        {
            _historyRejected[slots[i]] = anchor.Threshold.IsAnomaly(scores[i]);
        }
    }

    /// <summary>The learned rows nothing else explains, and how many of them the anchor calls anomalous (judging what is left to judge).</summary>
    internal (int Unexplained, int Rejected) AnchorVerdicts()
    {
        JudgeUnjudged();
        var (unexplained, rejected) = (0, 0);
        for (var i = 0; i < _historyCount; i++)
        {
            var slot = (_historyStart + i) % _learning.History;
            if (!_historyExplained[slot])
            {
                (unexplained, rejected) = (unexplained + 1, rejected + (_historyRejected[slot] ? 1 : 0));
            }
        }

        return (unexplained, rejected);
    }

    /// <summary>
    /// What <see cref="AnchorVerdicts"/> counts, from nothing kept: every unexplained learned row scored by the anchor
    /// one at a time (the reference the tests hold the kept verdicts to). Zero rejected before there is an anchor.
    /// </summary>
    internal (int Unexplained, int Rejected) AnchorVerdictsAfresh()
    {
        var width = _featureRow.Length;
        var (unexplained, rejected) = (0, 0);
        for (var i = 0; i < _historyCount; i++)
        {
            var slot = (_historyStart + i) % _learning.History;
            if (!_historyExplained[slot])
            {
                var anomalous = _anchor is { } anchor && anchor.Threshold.IsAnomaly(anchor.Detector.Score(_historyRows.AsSpan(slot * width, width)));
                (unexplained, rejected) = (unexplained + 1, rejected + (anomalous ? 1 : 0));
            }
        }

        return (unexplained, rejected);
    }

    /// <summary>A copy of the learned rows, oldest first (a fit may run beside the stream on it).</summary>
    private FeatureMatrix History()
    {
        var width = _featureRow.Length;
        var matrix = _spareRows is { } spare && spare.Rows == _historyCount && spare.Columns == width ? spare : new FeatureMatrix(_historyCount, width);
        _spareRows = null;
        for (var i = 0; i < _historyCount; i++)
        {
            var slot = (_historyStart + i) % _learning.History;
            _historyRows.AsSpan(slot * width, width).CopyTo(matrix.Row(i));
        }

        return matrix;
    }
}
