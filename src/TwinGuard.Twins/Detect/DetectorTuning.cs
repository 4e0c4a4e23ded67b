using System.Collections.Concurrent;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Detect;

/// <summary>
/// What analysts' <c>false_positive</c> verdicts taught the streaming detectors: per asset and signal, a factor by which
/// the outlier and CUSUM thresholds are raised. 1 by default; each verdict multiplies it by <see cref="Step"/>, never
/// beyond <see cref="MaxFactor"/>.
/// </summary>
/// <remarks>
/// <para>The poisoning guard: a verdict can only make one signal's statistical detectors less eager, and only so far.
/// An attacker who provokes a stream of benign-looking findings and gets them dismissed buys at most a threshold twice
/// as high: a jump of 2 × the configured z-score, a drift with twice the CUSUM evidence, still raise findings, and the
/// gate, validation (range, rate, frozen, stale, replay), the relations and the multivariate model are never tuned
/// (<see cref="MayRaise"/>). Critical findings are never grounds for a raise.</para>
/// <para>Thread-safe. Written rarely (a verdict), read on every reading through <see cref="Version"/>: a twin keeps its
/// own copy and refreshes it when the version moves. Bounded: at most <see cref="MaxSignals"/> signals raised.</para>
/// </remarks>
public sealed class DetectorTuning
{
    /// <summary>How much one verdict raises a threshold.</summary>
    public const double Step = 1.25;

    /// <summary>The most any number of verdicts can raise a threshold: the floor of sensitivity an attacker could aim for.</summary>
    public const double MaxFactor = 2.0;

    /// <summary>Signals whose thresholds can be raised at once (every signal of a large plant model fits).</summary>
    public const int MaxSignals = 4096;

    private readonly ConcurrentDictionary<(string Asset, string Signal), double> _factors = new();
    private int _version;

    /// <summary>Moves whenever a factor changes.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Every raised threshold, by asset then signal.</summary>
    public IReadOnlyList<SignalTuning> Raised =>
        _factors.Select(kv => new SignalTuning(kv.Key.Asset, kv.Key.Signal, kv.Value))
            .OrderBy(t => t.AssetId, StringComparer.Ordinal).ThenBy(t => t.SignalId, StringComparer.Ordinal).ToList();

    /// <summary>Whether a false_positive verdict on a finding of this reason and severity may raise its detector's threshold.</summary>
    public static bool MayRaise(ReasonCode reason, Severity severity) =>
        severity < Severity.Critical && reason is ReasonCode.StatisticalOutlier or ReasonCode.PersistentShift;

    /// <summary>The factor of a signal's thresholds; 1 when no verdict raised it.</summary>
    public double Of(string assetId, string signalId) => _factors.TryGetValue((assetId, signalId), out var factor) ? factor : 1.0;

    /// <summary>Raises a signal's thresholds by one <see cref="Step"/>, up to <see cref="MaxFactor"/>.</summary>
    /// <returns>The factor before and after; equal when it was at the bound already.</returns>
    /// <exception cref="InvalidOperationException"><see cref="MaxSignals"/> signals are raised already.</exception>
    public (double Before, double After) Raise(string assetId, string signalId)
    {
        var before = Of(assetId, signalId);
        var after = Math.Min(MaxFactor, before * Step);
        Set(assetId, signalId, after);
        return (before, after);
    }

    /// <summary>Sets a signal's factor (restoring recorded verdicts at start), clamped to [1, <see cref="MaxFactor"/>]; 1 removes it.</summary>
    /// <exception cref="InvalidOperationException"><see cref="MaxSignals"/> signals are raised already.</exception>
    public void Set(string assetId, string signalId, double factor)
    {
        ArgumentNullException.ThrowIfNull(assetId);
        ArgumentNullException.ThrowIfNull(signalId);
        var clamped = double.IsFinite(factor) ? Math.Clamp(factor, 1.0, MaxFactor) : 1.0;
        if (clamped == 1.0)
        {
            _factors.TryRemove((assetId, signalId), out _);
        }
        else
        {
            if (_factors.Count >= MaxSignals && !_factors.ContainsKey((assetId, signalId)))
            {
                throw new InvalidOperationException($"thresholds of {MaxSignals} signals are raised already");
            }

            _factors[(assetId, signalId)] = clamped;
        }

        Interlocked.Increment(ref _version);
    }

    /// <summary>Puts a signal's thresholds back as configured; false when they were not raised.</summary>
    public bool Reset(string assetId, string signalId)
    {
        var removed = _factors.TryRemove((assetId, signalId), out _);
        Interlocked.Increment(ref _version);
        return removed;
    }
}
