using System.Globalization;
using System.Text;
using TwinGuard.Detection.Pipeline;
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
internal sealed class AssetDetector(AssetModel asset, DetectionSettings settings)
{
    private readonly OnlineAnomalyDetector _detector = new(
        asset.Signals.Count,
        DetectorCatalog.Create(settings.MultivariateDetector),
        new OnlineLearningOptions { WarmUp = settings.MultivariateWarmUp, RefitEvery = settings.MultivariateWarmUp, History = Math.Max(2048, settings.MultivariateWarmUp) });

    private int _modelVersion;

    /// <summary>True once the initial window has been learned and states are scored.</summary>
    public bool IsScoring => _detector.IsFitted;

    /// <summary>Raised after each fit or refit with the new model's version (1 for the first fit).</summary>
    public event Action<int>? ModelFitted;

    /// <summary>
    /// Raised when a retraining is refused because the commissioned model calls too much of the recent normal anomalous
    /// (slow drift or poisoning of the baseline), with that fraction.
    /// </summary>
    public event Action<double>? RefitRefused
    {
        add => _detector.RefitRefused += value;
        remove => _detector.RefitRefused -= value;
    }

    /// <summary>Learns the next warm-up window unconditionally and anchors there (see <see cref="OnlineAnomalyDetector.Rebaseline"/>).</summary>
    public void Rebaseline() => _detector.Rebaseline();

    /// <summary>The detector's name, for records.</summary>
    public string DetectorName => settings.MultivariateDetector;

    /// <summary>Scores the asset's current state; returns the score and an explanation when it is anomalous.</summary>
    public (double Score, string TopSignal, string Explanation)? Observe(ReadOnlySpan<double> state)
    {
        var verdicts = _detector.Push(state);
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

        var shares = pipeline.LastColumnShares.ToArray();
        var ranked = Enumerable.Range(0, shares.Length).OrderByDescending(i => shares[i]).Take(3).ToList();
        var explanation = new StringBuilder(64);
        foreach (var i in ranked)
        {
            explanation.Append(explanation.Length == 0 ? string.Empty : ", ")
                .Append(asset.Signals[i].Id).Append(' ')
                .Append((shares[i] * 100).ToString("0", CultureInfo.InvariantCulture)).Append('%');
        }

        var top = asset.Signals[verdicts[0].TopColumn].Id;
        return (verdicts[0].Score, top, explanation.ToString());
    }
}
