using System.Collections.Concurrent;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Detect;

/// <summary>
/// What analysts' <c>false_positive</c> verdicts taught the detectors: per asset and signal, a factor by which the
/// streaming outlier and CUSUM thresholds are raised, and per asset (under the signal key <see cref="Multivariate"/>) a
/// factor by which the multivariate model's calibrated threshold is raised. 1 by default; each verdict multiplies it by
/// <see cref="Step"/>, never beyond <see cref="MaxFactor"/> (<see cref="MultivariateMaxFactor"/> for the model).
/// </summary>
/// <remarks>
/// <para>The poisoning guard: a verdict can only make one signal's statistical detectors less eager, and only so far.
/// An attacker who provokes a stream of benign-looking findings and gets them dismissed buys at most a threshold twice
/// as high: a jump of 2 × the configured z-score, a drift with twice the CUSUM evidence, still raise findings, and the
/// gate, validation (range, rate, frozen, stale, replay) and the relations are never tuned (<see cref="MayRaise"/>).
/// The multivariate model's threshold goes up in odds (scores live in [0, 1], so a raised line stays below 1) and at
/// most x<see cref="MultivariateMaxFactor"/>, less than a signal's: the model is what catches a coordinated spoof that
/// stays inside every range, the prize of a poisoner. Critical findings are never grounds for a raise.</para>
/// <para>Thread-safe. Written rarely (a verdict), read on every reading through <see cref="Version"/>: a twin keeps its
/// own copy and refreshes it when the version moves. Bounded: at most <see cref="MaxSignals"/> signals raised.</para>
/// </remarks>
public sealed class DetectorTuning
{
    /// <summary>How much one verdict raises a threshold.</summary>
    public const double Step = 1.25;

    /// <summary>The most any number of verdicts can raise a threshold: the floor of sensitivity an attacker could aim for.</summary>
    public const double MaxFactor = 2.0;

    /// <summary>The most verdicts can raise an asset's multivariate model threshold.</summary>
    public const double MultivariateMaxFactor = 1.5;

    /// <summary>The signal key of an asset's multivariate model (no signal id of a plant model has parentheses).</summary>
    public const string Multivariate = "(multivariate)";

    /// <summary>Signals whose thresholds can be raised at once (every signal of a large plant model fits).</summary>
    public const int MaxSignals = 4096;

    /// <summary>Windows of confirmed attacks remembered per asset; the oldest gives way.</summary>
    public const int MaxExcludedWindows = 32;

    /// <summary>Assets with excluded windows at once (every asset of a large plant model fits).</summary>
    public const int MaxExcludedAssets = 4096;

    private readonly ConcurrentDictionary<(string Asset, string Signal), double> _factors = new();
    private readonly ConcurrentDictionary<string, LearningExclusion[]> _excluded = new(StringComparer.Ordinal);
    private readonly Lock _excluding = new();
    private int _version;

    /// <summary>Moves whenever a factor changes.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Every raised threshold, by asset then signal.</summary>
    public IReadOnlyList<SignalTuning> Raised =>
        _factors.Select(kv => new SignalTuning(kv.Key.Asset, kv.Key.Signal, kv.Value))
            .OrderBy(t => t.AssetId, StringComparer.Ordinal).ThenBy(t => t.SignalId, StringComparer.Ordinal).ToList();

    /// <summary>Whether a false_positive verdict on a finding of this reason and severity may raise its detector's threshold.</summary>
    public static bool MayRaise(ReasonCode reason, Severity severity) =>
        severity < Severity.Critical && reason is ReasonCode.StatisticalOutlier or ReasonCode.PersistentShift or ReasonCode.MultivariateAnomaly;

    /// <summary>What a verdict on a finding of this reason about this signal raises: the signal, or the asset's model (<see cref="Multivariate"/>).</summary>
    public static string KeyOf(ReasonCode reason, string signalId) => reason == ReasonCode.MultivariateAnomaly ? Multivariate : signalId;

    /// <summary>The bound of a key's factor.</summary>
    public static double BoundOf(string signalId) => signalId == Multivariate ? MultivariateMaxFactor : MaxFactor;

    /// <summary>The factor of a signal's thresholds; 1 when no verdict raised it.</summary>
    public double Of(string assetId, string signalId) => _factors.TryGetValue((assetId, signalId), out var factor) ? factor : 1.0;

    /// <summary>Raises a signal's thresholds (or the asset's model's, <see cref="Multivariate"/>) by one <see cref="Step"/>, up to its bound.</summary>
    /// <returns>The factor before and after; equal when it was at the bound already.</returns>
    /// <exception cref="InvalidOperationException"><see cref="MaxSignals"/> signals are raised already.</exception>
    public (double Before, double After) Raise(string assetId, string signalId)
    {
        var before = Of(assetId, signalId);
        var after = Math.Min(BoundOf(signalId), before * Step);
        Set(assetId, signalId, after);
        return (before, after);
    }

    /// <summary>Sets a signal's factor (restoring recorded verdicts at start), clamped to [1, its bound]; 1 removes it.</summary>
    /// <exception cref="InvalidOperationException"><see cref="MaxSignals"/> signals are raised already.</exception>
    public void Set(string assetId, string signalId, double factor)
    {
        ArgumentNullException.ThrowIfNull(assetId);
        ArgumentNullException.ThrowIfNull(signalId);
        var clamped = double.IsFinite(factor) ? Math.Clamp(factor, 1.0, BoundOf(signalId)) : 1.0;
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

    /// <summary>
    /// Keeps an asset's states between <paramref name="fromMs"/> and <paramref name="toMs"/> from ever being learned (a
    /// <c>confirmed_attack</c> verdict, or one restored at start); at most <see cref="MaxExcludedWindows"/> per asset, the
    /// oldest giving way.
    /// </summary>
    /// <returns>False when the window is empty (ends before it starts) or <see cref="MaxExcludedAssets"/> assets have windows already.</returns>
    public bool Exclude(string assetId, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(assetId);
        if (toMs < fromMs)
        {
            return false;
        }

        lock (_excluding)
        {
            var windows = _excluded.GetValueOrDefault(assetId, []);
            if (windows.Any(w => w.FromMs == fromMs && w.ToMs == toMs))
            {
                return true; // the same verdict again, or restored and then given again
            }

            if (windows.Length == 0 && _excluded.Count >= MaxExcludedAssets)
            {
                return false;
            }

            _excluded[assetId] = [.. windows.Skip(Math.Max(0, windows.Length + 1 - MaxExcludedWindows)), new LearningExclusion(assetId, fromMs, toMs)];
        }

        Interlocked.Increment(ref _version);
        return true;
    }

    /// <summary>The windows of an asset whose states are never learned, oldest first.</summary>
    public IReadOnlyList<LearningExclusion> ExcludedOf(string assetId) => _excluded.GetValueOrDefault(assetId, []);

    /// <summary>Puts a signal's thresholds back as configured; false when they were not raised.</summary>
    public bool Reset(string assetId, string signalId)
    {
        var removed = _factors.TryRemove((assetId, signalId), out _);
        Interlocked.Increment(ref _version);
        return removed;
    }
}
