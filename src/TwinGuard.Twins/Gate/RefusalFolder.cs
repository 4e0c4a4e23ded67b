using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Gate;

/// <summary>
/// Folds repeated connection refusals: per remote address and reason, the first refusal of each window is stored and
/// the others are counted into the next one stored.
/// </summary>
/// <remarks>
/// The table is bounded (<paramref name="capacity"/> addresses x reasons); when full, windows that have ended are
/// dropped, and if none has, the oldest is. A count dropped that way is lost from the stored rows but not from
/// <see cref="PipelineMetrics"/>, which counts every refusal.
/// </remarks>
public sealed class RefusalFolder(TimeSpan window, int capacity = 4096)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Address, ReasonCode Reason), (DateTimeOffset Start, int Folded)> _windows = [];

    /// <summary>
    /// Decides on one refusal: true to store it, with how many refusals of the same address and reason were folded
    /// since the last one stored (and when that window started).
    /// </summary>
    public bool ShouldStore(string address, ReasonCode reason, DateTimeOffset now, out int folded, out DateTimeOffset since)
    {
        var key = (address, reason);
        lock (_lock)
        {
            if (_windows.TryGetValue(key, out var open) && now - open.Start < window)
            {
                _windows[key] = (open.Start, open.Folded + 1);
                (folded, since) = (0, open.Start);
                return false;
            }

            (folded, since) = (open.Folded, open.Start);
            if (!_windows.ContainsKey(key) && _windows.Count >= capacity)
            {
                Evict(now);
            }

            _windows[key] = (now, 0);
            return true;
        }
    }

    private void Evict(DateTimeOffset now)
    {
        var ended = _windows.Where(w => now - w.Value.Start >= window).Select(static w => w.Key).ToList();
        if (ended.Count == 0)
        {
            ended.Add(_windows.MinBy(static w => w.Value.Start).Key);
        }

        foreach (var key in ended)
        {
            _windows.Remove(key);
        }
    }
}
