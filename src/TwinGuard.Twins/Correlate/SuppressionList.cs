using System.Collections.Concurrent;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// The suppressions in force, consulted by the correlate stage for every finding: a covered finding is counted against
/// its suppression and not admitted (no stored finding, no incident, no SIEM message).
/// </summary>
/// <remarks>
/// The poisoning guard: a verdict can never silence the gate (who may send what), the physics (relations), threat
/// intelligence or network IDS alerts, the operating limits, or anything critical; <see cref="MaySuppress"/> says so,
/// and it is checked again for every finding, so a critical occurrence of a suppressed reason still gets through.
/// Bounded: at most <see cref="MaxActive"/> suppressions in force. Thread-safe.
/// </remarks>
public sealed class SuppressionList(TimeProvider time)
{
    /// <summary>Suppressions that can be in force at once.</summary>
    public const int MaxActive = 256;

    private readonly ConcurrentDictionary<long, Suppression> _active = new();
    private readonly ConcurrentDictionary<long, long> _hits = new();

    /// <summary>The suppressions in force now, with how many findings each has held back since serve started.</summary>
    public IReadOnlyList<(Suppression Suppression, long Hits)> Active
    {
        get
        {
            var now = time.GetUtcNow();
            return _active.Values.Where(s => s.Expires > now).OrderBy(s => s.Id).Select(s => (s, _hits.GetValueOrDefault(s.Id))).ToList();
        }
    }

    /// <summary>
    /// Whether a verdict may suppress findings of this reason and severity: not the gate's or the Modbus guard's
    /// refusals, not relations, intelligence, IDS alerts or operating limits, never a critical finding.
    /// </summary>
    public static bool MaySuppress(ReasonCode reason, Severity severity) =>
        severity < Severity.Critical
        && reason is ReasonCode.StatisticalOutlier or ReasonCode.PersistentShift or ReasonCode.MultivariateAnomaly or ReasonCode.BaselineDrift
            or ReasonCode.Stale or ReasonCode.Frozen or ReasonCode.RateOfChange or ReasonCode.FutureTimestamp or ReasonCode.PastTimestamp
            or ReasonCode.DeviceUnreachable or ReasonCode.RegisterWrite;

    /// <summary>Puts a suppression in force; false when <see cref="MaxActive"/> are in force already.</summary>
    public bool Add(Suppression suppression)
    {
        ArgumentNullException.ThrowIfNull(suppression);
        if (_active.Count >= MaxActive && !_active.ContainsKey(suppression.Id))
        {
            Prune();
            if (_active.Count >= MaxActive)
            {
                return false;
            }
        }

        _active[suppression.Id] = suppression;
        return true;
    }

    /// <summary>Lifts a suppression; false when it was not in force.</summary>
    public bool Lift(long id) => _active.TryRemove(id, out _);

    /// <summary>True (and counted) when a suppression in force covers <paramref name="finding"/>.</summary>
    public bool Suppresses(Finding finding)
    {
        if (_active.IsEmpty)
        {
            return false;
        }

        var now = time.GetUtcNow();
        foreach (var suppression in _active.Values)
        {
            if (suppression.Covers(finding, now))
            {
                _hits.AddOrUpdate(suppression.Id, 1, (_, n) => n + 1);
                return true;
            }
        }

        return false;
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (id, suppression) in _active)
        {
            if (suppression.Expires <= now)
            {
                _active.TryRemove(id, out _);
            }
        }
    }
}
