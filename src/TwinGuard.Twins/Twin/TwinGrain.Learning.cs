using TwinGuard.Twins.Detect;

namespace TwinGuard.Twins.Twin;

/// <summary>What analysts' verdicts teach the twin: raised thresholds per signal, and attack states never learned.</summary>
internal sealed partial class TwinGrain
{
    private double[] _raises = [];
    private int _raisesVersion = -1;
    private double _multivariateRaise = 1.0;
    private IReadOnlyList<LearningExclusion> _excluded = [];

    public Task<int> ExcludeFromLearningAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var (fromMs, toMs) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        // Kept by the shared tuning (restored from the response store at start), so that it outlives this activation.
        lock (_turn)
        {
            return Task.FromResult(tuning.Exclude(_asset.Id, fromMs, toMs) ? _assetDetector?.Forget(fromMs, toMs) ?? 0 : 0);
        }
    }

    /// <summary>After the learned state was restored: forgets what it holds of confirmed attacks' windows (kept across restarts).</summary>
    private int ForgetExcluded() => _assetDetector is null ? 0 : tuning.ExcludedOf(_asset.Id).Sum(w => _assetDetector.Forget(w.FromMs, w.ToMs));

    /// <summary>False for a reading inside a confirmed attack's window: scored, never learned.</summary>
    /// <remarks>The windows are refreshed with the factors (<see cref="Raises"/>), earlier in the same message.</remarks>
    private bool MayLearn(long timestampMs)
    {
        foreach (var window in _excluded)
        {
            if (window.Covers(timestampMs))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Each signal's threshold factor (<see cref="DetectorTuning"/>), refreshed only when a verdict changed one.</summary>
    private double[] Raises()
    {
        var version = tuning.Version;
        if (version != _raisesVersion)
        {
            var raises = new double[_asset.Signals.Count];
            for (var i = 0; i < raises.Length; i++)
            {
                raises[i] = tuning.Of(_asset.Id, _asset.Signals[i].Id);
            }

            (_raises, _raisesVersion, _multivariateRaise, _excluded) = (raises, version, tuning.Of(_asset.Id, DetectorTuning.Multivariate), tuning.ExcludedOf(_asset.Id));
        }

        return _raises;
    }
}
