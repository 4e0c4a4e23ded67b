using System.Globalization;
using System.Text;
using TwinGuard.Detection.Pipeline;
using TwinGuard.Detection.Profiling;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Detect;

/// <summary>
/// The multivariate detector of one asset: learns what combinations of its signals are normal from an initial window
/// of validated readings, then scores each new state of the asset and says which signals drove the score.
/// </summary>
/// <remarks>
/// Wraps <see cref="OnlineAnomalyDetector"/> (features over time, a calibrated threshold, periodic refits) which never
/// learns from a state it flagged, nor from one whose feature window holds a flagged state: an attacker cannot teach
/// the twin that the attack is normal. Needs at least two signals; rows are the asset's last-known-good values.
/// </remarks>
internal sealed class AssetDetector
{
    private readonly AssetModel _asset;
    private readonly DetectionSettings _settings;
    private readonly OnlineAnomalyDetector _detector;

    private int _modelVersion;

    // The timestamp of each of the last rows pushed (push number modulo the length): which rows an analyst's
    // confirmed attack covers, for Forget.
    private readonly long[] _rowTimes;

    /// <summary>Creates the detector of <paramref name="asset"/>.</summary>
    public AssetDetector(AssetModel asset, DetectionSettings settings)
    {
        _asset = asset;
        _settings = settings;
        _detector = new OnlineAnomalyDetector(
            asset.Signals.Count,
            // Levels stay features here: a signal that wanders during a warm-up shorter than an operating cycle is not
            // evidence of drift, and a level-free signal would let a slow creep (poisoning) pass the anchor check.
            // No seasonal differences either until the simulate figures (docs/scenarios.md) are measured with them.
            // No onset companion: the twins do not read alarms, so a second model would cost every turn for nothing.
            // No episode end and the line at q0.99 × 2 (DetectorCatalog.WithoutEpisodeEnd): what the learner refits on is what
            // it did not flag, and the poisoning guard was measured with these.
            DetectorCatalog.WithoutEpisodeEnd(
                DetectorCatalog.Create(settings.MultivariateDetector, profiling: new ColumnProfilerOptions { LevelFreeColumns = [], Period = 0 }))
                with { Companion = null },
            new OnlineLearningOptions
            {
                WarmUp = settings.MultivariateWarmUp,
                RefitEvery = settings.MultivariateWarmUp,
                History = Math.Max(2048, settings.MultivariateWarmUp),
                // A refit runs beside the twin's turn and is adopted this many states later: the twin never stops
                // ingesting for a whole fit (it did, for tens of milliseconds at a time, at every retraining).
                AdoptAfter = Math.Clamp(settings.MultivariateWarmUp / 8, 1, 256),
            });
        _rowTimes = new long[Math.Max(2048, settings.MultivariateWarmUp)];
        _detector.RefitRefused += rejected =>
        {
            if (_detector.ConsecutiveRefusals == RefusalsToReport)
            {
                BaselineDrifting?.Invoke(rejected);
            }
        };
    }

    /// <summary>True once the initial window has been learned and states are scored.</summary>
    public bool IsScoring => _detector.IsFitted;

    /// <summary>Raised after each fit or refit with the new model's version (1 for the first fit).</summary>
    public event Action<int>? ModelFitted;

    /// <summary>Retrainings refused in a row before the asset's baseline is reported as drifting.</summary>
    /// <remarks>
    /// One refusal can be a normal operating point that the commissioning window did not hold (once in four simulated
    /// hours of the sample plant); a slow poisoning is refused at every retraining from then on.
    /// </remarks>
    public const int RefusalsToReport = 3;

    /// <summary>
    /// Raised when the <see cref="RefusalsToReport"/>th retraining in a row is refused because the commissioned model
    /// calls too much of the recent normal anomalous (slow drift or poisoning of the baseline), with that fraction.
    /// </summary>
    public event Action<double>? BaselineDrifting;

    /// <summary>Learns the next warm-up window unconditionally and anchors there (see <see cref="OnlineAnomalyDetector.Rebaseline"/>).</summary>
    public void Rebaseline() => _detector.Rebaseline();

    /// <summary>Grows at every change of the anchor or the model in use: when the model's rows must be written again.</summary>
    public int ModelGeneration => _detector.ModelGeneration;

    /// <summary>Rows of the warm-up in progress, 0 once fitted: whether a snapshot has warm-up rows to write, without copying them.</summary>
    public int WarmUpRows => _detector.WarmUpRows;

    /// <summary>The model version last announced (<see cref="ModelFitted"/>), 0 before the first fit.</summary>
    public int AnnouncedVersion => _modelVersion;

    /// <summary>What the model has learned (see <see cref="OnlineCheckpoint"/>).</summary>
    public OnlineCheckpoint Checkpoint() => _detector.Checkpoint();

    /// <summary>Continues from a checkpoint on a fresh detector, without announcing the restored model again.</summary>
    /// <exception cref="ArgumentException">The checkpoint does not fit this asset's signals.</exception>
    public void Restore(OnlineCheckpoint checkpoint, int announcedVersion)
    {
        _detector.Restore(checkpoint);
        _modelVersion = announcedVersion;
    }

    /// <summary>
    /// Forgets the learned states of <c>[fromMs, toMs]</c> among the recent ones (an analyst's confirmed attack): no
    /// refit learns them. Returns how many learned states were forgotten.
    /// </summary>
    public int Forget(long fromMs, long toMs)
    {
        long first = long.MaxValue, last = long.MinValue;
        var newest = _detector.LastRow;
        for (var row = Math.Max(0, newest - _rowTimes.Length + 1); row <= newest; row++)
        {
            var t = _rowTimes[row % _rowTimes.Length];
            if (t >= fromMs && t <= toMs)
            {
                (first, last) = (Math.Min(first, row), Math.Max(last, row));
            }
        }

        return first > last ? 0 : _detector.Forget(first, last);
    }

    /// <summary>The detector's name, for records.</summary>
    public string DetectorName => _settings.MultivariateDetector;

    /// <summary>The model's calibrated threshold on scores in [0, 1], or null before its first fit.</summary>
    public TwinGuard.Detection.Thresholds.ScoreThreshold? Threshold => _detector.IsFitted ? _detector.Pipeline?.Threshold : null;

    /// <summary>Scores the asset's current state; returns the score and an explanation when it is anomalous.</summary>
    /// <param name="state">The asset's last-known-good values, in signal order.</param>
    /// <param name="explained">True when the twin's relations explain the state (see <see cref="OnlineAnomalyDetector.Push"/>).</param>
    /// <param name="timeMs">The state's time (its newest reading's timestamp, Unix ms), for <see cref="Forget"/>.</param>
    /// <param name="learn">False for a state an analyst confirmed as an attack's: scored, never learned.</param>
    /// <param name="raise">
    /// By how much analysts' <c>false_positive</c> verdicts raised the model's calibrated threshold
    /// (<see cref="DetectorTuning.Multivariate"/>), in odds as the calibration's own multiplier: an anomalous state is
    /// reported only once its score is over the raised line.
    /// </param>
    public (double Score, string TopSignal, string Explanation)? Observe(ReadOnlySpan<double> state, bool explained = false, long timeMs = 0, bool learn = true, double raise = 1.0)
    {
        var verdicts = _detector.Push(state, explained, learn);
        _rowTimes[_detector.LastRow % _rowTimes.Length] = timeMs;
        var version = _detector.IsFitted ? 1 + _detector.Refits : 0;
        if (version != _modelVersion)
        {
            _modelVersion = version;
            ModelFitted?.Invoke(version);
        }

        if (verdicts.Count != 1 || !verdicts[0].IsAnomaly || _detector.Pipeline is not { } pipeline)
        {
            return null; // warming up (verdicts of the window itself are not findings), or normal
        }

        if (raise > 1.0 && verdicts[0].Score <= pipeline.Threshold.RaisedBy(raise))
        {
            return null; // over the calibrated line, not over the line analysts raised it to
        }

        var shares = pipeline.LastColumnShares.ToArray();
        var ranked = Enumerable.Range(0, shares.Length).OrderByDescending(i => shares[i]).Take(3).ToList();
        var explanation = new StringBuilder(64);
        foreach (var i in ranked)
        {
            explanation.Append(explanation.Length == 0 ? string.Empty : ", ")
                .Append(_asset.Signals[i].Id).Append(' ')
                .Append((shares[i] * 100).ToString("0", CultureInfo.InvariantCulture)).Append('%');
        }

        var top = _asset.Signals[verdicts[0].TopColumn].Id;
        return (verdicts[0].Score, top, explanation.ToString());
    }
}
