using TwinGuard.Twins.Detect;

namespace TwinGuard.Twins.Twin;

/// <summary>What analysts' verdicts teach the twin: raised thresholds per signal, and attack states never learned.</summary>
internal sealed partial class TwinGrain
{
    /// <summary>Windows of confirmed attacks remembered per twin; the oldest gives way.</summary>
    internal const int MaxExcludedWindows = 32;

    private readonly List<(long FromMs, long ToMs)> _excluded = [];
    private double[] _raises = [];
    private int _raisesVersion = -1;
    private double _multivariateRaise = 1.0;

    public Task<int> ExcludeFromLearningAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var (fromMs, toMs) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        if (toMs < fromMs)
        {
            return Task.FromResult(0);
        }

        if (_excluded.Count >= MaxExcludedWindows)
        {
            _excluded.RemoveAt(0);
        }

        _excluded.Add((fromMs, toMs));
        return Task.FromResult(_assetDetector?.Forget(fromMs, toMs) ?? 0);
    }

    /// <summary>False for a reading inside a confirmed attack's window: scored, never learned.</summary>
    private bool MayLearn(long timestampMs)
    {
        foreach (var (fromMs, toMs) in _excluded)
        {
            if (timestampMs >= fromMs && timestampMs <= toMs)
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

            (_raises, _raisesVersion, _multivariateRaise) = (raises, version, tuning.Of(_asset.Id, DetectorTuning.Multivariate));
        }

        return _raises;
    }
}
