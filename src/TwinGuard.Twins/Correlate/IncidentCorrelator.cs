using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// The first correlation rules: a critical finding opens an incident at once; N findings about one asset (or one
/// source, for findings about who sent data) within a sliding window open one. Later findings in the same scope join
/// the open incident until the scope has been quiet for a whole window.
/// </summary>
/// <remarks>Single-threaded by design: the record stage feeds it findings one at a time in arrival order.</remarks>
public sealed class IncidentCorrelator(CorrelationSettings settings)
{
    private readonly Dictionary<string, Queue<(DateTimeOffset Time, long FindingId)>> _recent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long IncidentId, DateTimeOffset LastFinding)> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _unexpectedWrites = new(StringComparer.Ordinal);

    /// <summary>How far apart findings may be and still count together.</summary>
    public TimeSpan Window => settings.Window;

    /// <summary>The scope a finding belongs to: its asset, else its source.</summary>
    public static string ScopeOf(Finding finding) => ScopeOf(finding.Reason, finding.AssetId, finding.DeviceId);

    /// <summary>The scope of a finding with this reason about this asset from this device.</summary>
    public static string ScopeOf(ReasonCode reason, string? assetId, string? deviceId) =>
        assetId is { } asset && !reason.IsAboutSource() ? $"asset:{asset}"
        : deviceId is { } device ? $"source:{device}"
        : assetId is { } a ? $"asset:{a}"
        : "site";

    /// <summary>Takes one stored finding; says whether it joins an open incident or opens a new one.</summary>
    /// <returns>The open incident it joins, or a decision to open one (with the findings that triggered it), or nothing.</returns>
    public CorrelationDecision Observe(Finding finding, long findingId)
    {
        var scope = ScopeOf(finding);
        if (finding.Reason == ReasonCode.RegisterWrite)
        {
            return CorrelationDecision.None; // an allowed write is expected: recorded, never counted towards an incident
        }

        if (_open.TryGetValue(scope, out var open) && finding.Time - open.LastFinding <= settings.Window)
        {
            _open[scope] = (open.IncidentId, finding.Time);
            return CorrelationDecision.Join(open.IncidentId);
        }

        _open.Remove(scope);
        if (!_recent.TryGetValue(scope, out var recent))
        {
            _recent[scope] = recent = new Queue<(DateTimeOffset, long)>();
        }

        recent.Enqueue((finding.Time, findingId));
        while (recent.Count > 0 && finding.Time - recent.Peek().Time > settings.Window)
        {
            recent.Dequeue();
        }

        if (finding.Reason.IsUnexpectedWrite())
        {
            _unexpectedWrites[scope] = finding.Time;
        }
        else if (finding.Reason.IsProcessAnomaly() && _unexpectedWrites.Remove(scope, out var write) && finding.Time - write <= settings.Window)
        {
            return Open(scope, recent, finding, "unexpected-write-then-anomaly");
        }

        if (finding.Severity >= Severity.Critical)
        {
            return Open(scope, recent, finding, "critical-finding");
        }

        if (recent.Count >= settings.FindingsForIncident)
        {
            return Open(scope, recent, finding, $"{settings.FindingsForIncident}-findings-in-{settings.Window.TotalSeconds:0}s");
        }

        return CorrelationDecision.None;
    }

    /// <summary>Tells the correlator which id the store gave the incident it asked to open.</summary>
    public void Opened(string scope, long incidentId, DateTimeOffset time) => _open[scope] = (incidentId, time);

    /// <summary>
    /// Closes an open incident (its containment was released): the next finding in its scope starts counting afresh
    /// and can open a new incident, so a device that attacks again after its release is contained again.
    /// </summary>
    /// <returns>The incident's scope, or null when it is not open (already closed, or quiet for a whole window).</returns>
    public string? Close(long incidentId)
    {
        foreach (var (scope, open) in _open)
        {
            if (open.IncidentId == incidentId)
            {
                _open.Remove(scope);
                _recent.Remove(scope);
                return scope;
            }
        }

        return null;
    }

    private static CorrelationDecision Open(string scope, Queue<(DateTimeOffset Time, long FindingId)> recent, Finding finding, string rule)
    {
        var members = recent.Select(r => r.FindingId).ToArray();
        recent.Clear();
        return CorrelationDecision.OpenIncident(scope, rule, members, finding);
    }
}
