using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// The correlation rules: a critical finding, or a device's valid credentials presented from an address it never
/// connects from, opens an incident at once; N findings about one asset (or one source, for
/// findings about who sent data) within a sliding window open one. Later findings in the same scope join the open
/// incident until the scope has been quiet for a whole window; a joining finding that raises the incident's severity
/// or adds a reason escalates it.
/// </summary>
/// <remarks>
/// <para>Single-threaded by design: the record stage feeds it findings one at a time in arrival order.</para>
/// <para>What counts as one of the N: a new finding; a finding that keeps recurring counts again every
/// <see cref="RecurrenceInterval"/> it lasts (a relation broken for 20 s is as strong a signal as three findings in
/// 20 s, although the record stage folds it into one); and for a high-severity finding about a source (an unknown client,
/// bad credentials, a forbidden topic, a flood) every occurrence counts, because each is a separate act of that
/// source: three failed logins, or a thousand refused messages, are not one event.</para>
/// </remarks>
public sealed class IncidentCorrelator(CorrelationSettings settings)
{
    /// <summary>A finding that keeps recurring counts once more towards an incident after this long.</summary>
    public static readonly TimeSpan RecurrenceInterval = TimeSpan.FromSeconds(10);

    /// <summary>Precursors of sequence rules remembered at most (scopes can be named by whoever connects).</summary>
    private const int MaxPrecursors = 4096;

    private readonly Dictionary<string, Queue<Counted>> _recent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OpenIncident> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CorrelationDecision> _opening = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Rule, string Scope), DateTimeOffset> _precursors = [];

    /// <summary>How far apart findings may be and still count together.</summary>
    public TimeSpan Window => settings.Window;

    /// <summary>How long an incident can be continued by a later stage of the same campaign.</summary>
    public TimeSpan CampaignWindow => settings.CampaignWindow;

    /// <summary>The scope a finding belongs to: its asset, else its source.</summary>
    public static string ScopeOf(Finding finding) => ScopeOf(finding.Reason, finding.AssetId, finding.GroupingSource);

    /// <summary>The scope of a finding with this reason about this asset from this device.</summary>
    public static string ScopeOf(ReasonCode reason, string? assetId, string? deviceId) =>
        assetId is { } asset && !reason.IsAboutSource() ? $"asset:{asset}"
        : deviceId is { } device ? $"source:{device}"
        : assetId is { } a ? $"asset:{a}"
        : "site";

    /// <summary>
    /// True when every occurrence of this finding counts towards an incident: a high-severity finding about a source
    /// (each occurrence is one more connection attempt or refused message), or a replayed sequence number (each is one
    /// more old message sent again: 24 replays in a few seconds are not one event, though they fold into one finding).
    /// Refusals of an already quarantined source are consequences of a response, not new evidence.
    /// </summary>
    public static bool CountsEachOccurrence(Finding finding) =>
        (finding.Reason.IsAboutSource() || finding.Reason == ReasonCode.ReplayedSequence) && finding.Reason != ReasonCode.Quarantined && finding.Severity >= Severity.High;

    /// <summary>Takes one stored finding, or one more occurrence of it (same id); says whether it joins an open incident or opens a new one.</summary>
    /// <param name="finding">The finding (for a repeat: the repeat, with its own time and occurrence count).</param>
    /// <param name="findingId">The stored finding's id; a repeat passes the id of the finding it folded into.</param>
    /// <returns>The open incident it joins (escalated or not), or a decision to open one (with the findings that triggered it), or nothing.</returns>
    public CorrelationDecision Observe(Finding finding, long findingId)
    {
        var scope = ScopeOf(finding);
        if (finding.Reason == ReasonCode.RegisterWrite)
        {
            return CorrelationDecision.None; // an allowed write is expected: recorded, never counted towards an incident
        }

        if (_open.TryGetValue(scope, out var open) && finding.Time - open.LastFinding <= settings.Window)
        {
            open.LastFinding = finding.Time;
            var incident = open.Incident;
            // Refusals of a quarantined source are the response at work, not a reason to respond again.
            if ((finding.Severity <= incident.Severity && incident.Reasons.Contains(finding.Reason)) || finding.Reason == ReasonCode.Quarantined)
            {
                return CorrelationDecision.Join(incident.Id);
            }

            open.Incident = incident with
            {
                Severity = finding.Severity > incident.Severity ? finding.Severity : incident.Severity,
                Reasons = incident.Reasons.Contains(finding.Reason) ? incident.Reasons : [.. incident.Reasons, finding.Reason],
                DeviceId = incident.DeviceId ?? finding.DeviceId,
            };
            return CorrelationDecision.Join(incident.Id, open.Incident);
        }

        _open.Remove(scope);
        if (finding.Reason == ReasonCode.Quarantined)
        {
            // Data refused because its source or signals are quarantined is the response at work: it joins the open
            // incident of its scope (above), but never opens one of its own.
            return CorrelationDecision.None;
        }

        if (!_recent.TryGetValue(scope, out var recent))
        {
            _recent[scope] = recent = new Queue<Counted>();
        }

        recent.Enqueue(new Counted(finding.Time, findingId, finding, CountsEachOccurrence(finding) ? Math.Max(1, finding.Occurrences) : 1));
        while (recent.Count > 0 && finding.Time - recent.Peek().Time > settings.Window)
        {
            recent.Dequeue();
        }

        // Sequence rules (correlation.sequences): what the network or the guard saw, then the process misbehaving, is one
        // story whatever the severities.
        foreach (var rule in settings.Sequences)
        {
            if (rule.First.Matches(finding))
            {
                if (_precursors.Count >= MaxPrecursors)
                {
                    ForgetPrecursorsBefore(finding.Time);
                }

                _precursors[(rule.Id, scope)] = finding.Time;
            }
            else if (rule.Then.Matches(finding) && _precursors.Remove((rule.Id, scope), out var precursor) && finding.Time - precursor <= rule.Within)
            {
                return Open(scope, recent, finding, rule.Id);
            }
        }

        if (finding.Severity >= Severity.Critical)
        {
            return Open(scope, recent, finding, "critical-finding");
        }

        // A device's valid credentials from an address it never connects from: the password matched, so they are stolen.
        // One occurrence is all the evidence there will be for a while (the broker's failed-login back-off spaces the
        // thief's retries 16 s apart), and the playbooks must be able to act on it.
        if (finding.Reason == ReasonCode.UnexpectedAddress)
        {
            return Open(scope, recent, finding, "stolen-credentials");
        }

        if (recent.Sum(r => (long)r.Weight) >= settings.FindingsForIncident)
        {
            return Open(scope, recent, finding, $"{settings.FindingsForIncident}-findings-in-{settings.Window.TotalSeconds:0}s");
        }

        return CorrelationDecision.None;
    }

    /// <summary>Tells the correlator the incident the store opened on its decision: later findings join it, and escalate it when they raise its severity or add a reason.</summary>
    public void Opened(Incident incident)
    {
        _opening.Remove(incident.Scope);
        _open[incident.Scope] = new OpenIncident(incident, incident.Opened);
    }

    /// <summary>Tells the correlator which id the store gave the incident it asked to open (its severity and reasons those of the decision's findings).</summary>
    public void Opened(string scope, long incidentId, DateTimeOffset time)
    {
        var decision = _opening.GetValueOrDefault(scope);
        var trigger = decision?.Trigger;
        Opened(new Incident(
            incidentId, time, scope, trigger?.AssetId, decision?.DeviceId, decision?.Severity ?? Severity.Info,
            trigger is null ? scope : $"{trigger.Reason.Name()} on {scope}: {trigger.Message}", decision?.Rule ?? "unknown", decision?.Reasons ?? []));
    }

    /// <summary>
    /// Closes an open incident (its containment was released): the next finding in any scope of its stages starts
    /// counting afresh and can open a new incident, so a device that attacks again after its release is contained again.
    /// </summary>
    /// <returns>The scopes it was open in (empty when it is not open: already closed, or quiet for a whole window).</returns>
    public IReadOnlyList<string> Close(long incidentId)
    {
        var scopes = _open.Where(o => o.Value.Incident.Id == incidentId).Select(o => o.Key).ToList();
        foreach (var scope in scopes)
        {
            _open.Remove(scope);
            _recent.Remove(scope);
        }

        return scopes;
    }

    /// <summary>Drops precursors too old for any rule; if an attacker floods scopes faster than that, all of them.</summary>
    private void ForgetPrecursorsBefore(DateTimeOffset now)
    {
        var longest = settings.Sequences.Max(r => r.Within);
        foreach (var (key, time) in _precursors)
        {
            if (now - time > longest)
            {
                _precursors.Remove(key);
            }
        }

        if (_precursors.Count >= MaxPrecursors)
        {
            _precursors.Clear();
        }
    }

    private CorrelationDecision Open(string scope, Queue<Counted> recent, Finding finding, string rule)
    {
        var ids = recent.Select(r => r.FindingId).Distinct().ToArray();
        var members = recent.Select(r => r.Finding).ToArray();
        recent.Clear();
        var decision = CorrelationDecision.OpenIncident(scope, rule, ids, finding, members);
        _opening[scope] = decision;
        return decision;
    }

    /// <summary>One finding (or one more occurrence of it) counted in a scope's window.</summary>
    private sealed record Counted(DateTimeOffset Time, long FindingId, Finding Finding, int Weight);

    /// <summary>The open incident of a scope as it stands now, and when its last finding arrived.</summary>
    private sealed class OpenIncident(Incident incident, DateTimeOffset lastFinding)
    {
        public Incident Incident { get; set; } = incident;

        public DateTimeOffset LastFinding { get; set; } = lastFinding;
    }
}
