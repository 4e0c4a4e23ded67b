using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// Makes one incident of a multi-stage intrusion: an unknown client probing from an address, that address presenting a
/// device's credentials, and that device's values spoofed on another asset are three stages of one incident, each
/// contained on its own. The link rule, bounded and explainable:
/// <list type="number">
/// <item>the new stage shares a device or a client address with the incident (any of its stages or joined findings);</item>
/// <item>the earliest MITRE ATT&amp;CK for ICS tactic of the new stage's findings comes strictly later in the kill chain
/// than that of the incident's first stage: an incident that began with an earlier step (initial access, discovery,
/// valid accounts) takes in what follows through the same device or address, while an incident that began with an
/// impact takes in nothing (a second spike through the same device is an incident of its own);</item>
/// <item>the incident was active within <see cref="Plant.CorrelationSettings.CampaignWindow"/> and has fewer than
/// <see cref="MaxStages"/> stages.</item>
/// </list>
/// When the linked incident was closed by an operator (its containment released) or is full, the new stage opens a new
/// incident that names it as its campaign (<see cref="Incident.CampaignId"/>): the story continues, the closed
/// incident is not reopened.
/// </summary>
/// <remarks>
/// Single-threaded (the correlate stage's loop). Bounded: at most <see cref="MaxIncidents"/> recent incidents and
/// <see cref="MaxKeys"/> devices and addresses each are remembered; the least recently active is forgotten first.
/// Findings that are no adversary behaviour (no ATT&amp;CK technique, e.g. <c>quarantined</c>) never link.
/// </remarks>
public sealed class StageLinker(TimeSpan window, AttackMapping attack)
{
    /// <summary>Recent incidents remembered.</summary>
    public const int MaxIncidents = 1024;

    /// <summary>Devices and addresses remembered per incident.</summary>
    public const int MaxKeys = 32;

    /// <summary>Stages an incident holds at most; a further step opens a new incident of the same campaign.</summary>
    public const int MaxStages = 16;

    private readonly LinkedList<Remembered> _recent = new();
    private readonly Dictionary<long, LinkedListNode<Remembered>> _byId = [];
    private readonly List<string> _tacticOrder = attack.Tactics.Select(t => t.Id).ToList();

    /// <summary>The incident a stage opening over <paramref name="members"/> belongs to, and whether it can be attached to it; null when none.</summary>
    public StageLink? LinkOf(IReadOnlyList<Finding> members, DateTimeOffset time)
    {
        Forget(time);
        var stage = Stage(members);
        if (window <= TimeSpan.Zero || stage is null)
        {
            return null;
        }

        var devices = Devices(members).ToHashSet(StringComparer.Ordinal);
        var addresses = Addresses(members).ToHashSet(StringComparer.Ordinal);
        for (var node = _recent.Last; node is not null; node = node.Previous)
        {
            var earlier = node.Value;
            if (earlier.FirstStage >= stage)
            {
                continue;
            }

            var link = earlier.Devices.FirstOrDefault(devices.Contains) is { } device ? $"device {device}"
                : earlier.Addresses.FirstOrDefault(addresses.Contains) is { } address ? $"address {address}"
                : null;
            if (link is not null)
            {
                var attachable = !earlier.Closed && earlier.Stages.Count < MaxStages;
                return new StageLink(earlier.IncidentId, attachable, link, earlier.CampaignId, [.. earlier.Stages]);
            }
        }

        return null;
    }

    /// <summary>Remembers a newly opened incident (its first stage in <see cref="Incident.Stages"/>).</summary>
    public void Opened(Incident incident, IReadOnlyList<Finding> members, DateTimeOffset time)
    {
        var remembered = new Remembered(incident.Id, incident.CampaignId, new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), [.. incident.Stages])
        {
            Last = time,
            FirstStage = Stage(members) ?? int.MaxValue,
        };
        Add(remembered, members);
        _byId[incident.Id] = _recent.AddLast(remembered);
        while (_recent.Count > MaxIncidents)
        {
            _byId.Remove(_recent.First!.Value.IncidentId);
            _recent.RemoveFirst();
        }
    }

    /// <summary>A later stage was attached to an incident: what it links by now includes the stage's devices and addresses.</summary>
    public void Attached(long incidentId, IncidentStage stage, IReadOnlyList<Finding> members, DateTimeOffset time)
    {
        if (_byId.TryGetValue(incidentId, out var node))
        {
            node.Value.Stages.Add(stage);
            Touch(node, members, time);
        }
    }

    /// <summary>A finding joined an open incident: its device and address now link to the incident too.</summary>
    public void Joined(long incidentId, Finding finding)
    {
        if (_byId.TryGetValue(incidentId, out var node))
        {
            Touch(node, [finding], finding.Time);
        }
    }

    /// <summary>
    /// The stage of <paramref name="link"/>'s incident that a new stage over <paramref name="members"/> in
    /// <paramref name="scope"/> only repeats, or null when it is a step of its own. A repeat is on the same scope (asset
    /// or source), brings no ATT&amp;CK technique that stage does not already have (and has at least one), and is no more
    /// severe: the same step again, later, which the timeline counts (<see cref="IncidentStage.Occurrences"/>,
    /// <see cref="IncidentStage.LastSeen"/>) instead of growing by a stage that tells the analyst nothing new. A repeat
    /// that is more severe or adds a technique is a stage of its own, so the playbooks that fit it run.
    /// </summary>
    public IncidentStage? FoldsInto(StageLink link, string scope, IReadOnlyList<Finding> members, Severity severity)
    {
        ArgumentNullException.ThrowIfNull(link);
        var techniques = members.SelectMany(f => attack.For(f.Reason)).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        if (techniques.Count == 0)
        {
            return null;
        }

        return link.Stages.LastOrDefault(s => s.Scope == scope && severity <= s.Severity
                                               && techniques.IsSubsetOf(attack.For(s.Reasons).Select(t => t.Id)));
    }

    /// <summary>A recurrence was folded into one of the incident's stages (<see cref="FoldsInto"/>): the stage as it is now.</summary>
    public void Folded(long incidentId, IncidentStage stage, IReadOnlyList<Finding> members, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(stage);
        if (_byId.TryGetValue(incidentId, out var node))
        {
            var stages = node.Value.Stages;
            var at = stages.FindIndex(s => s.Number == stage.Number);
            if (at >= 0)
            {
                stages[at] = stage;
            }

            Touch(node, members, time);
        }
    }

    /// <summary>
    /// A finding that joined the incident raised its current stage's severity or added a reason (as the store records
    /// it): a later recurrence is judged a repeat against the stage as it stands now, not as it opened. Without this a
    /// stage that opened at medium and rose to high took a later high recurrence of the same step for a new stage.
    /// </summary>
    public void Escalated(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (_byId.TryGetValue(incident.Id, out var node))
        {
            var stages = node.Value.Stages;
            var at = stages.FindIndex(s => s.Number == incident.Stage);
            if (at >= 0)
            {
                stages[at] = stages[at] with { Severity = incident.Severity, Reasons = incident.Reasons };
            }
        }
    }

    /// <summary>An operator closed the incident: a later step links to it as a campaign, and is not attached.</summary>
    public void Closed(long incidentId)
    {
        if (_byId.TryGetValue(incidentId, out var node))
        {
            node.Value.Closed = true;
        }
    }

    private void Touch(LinkedListNode<Remembered> node, IReadOnlyList<Finding> findings, DateTimeOffset time)
    {
        Add(node.Value, findings);
        if (time > node.Value.Last)
        {
            node.Value.Last = time;
        }

        // Least recently active first, so that forgetting takes the front.
        _recent.Remove(node);
        _recent.AddLast(node);
    }

    private void Forget(DateTimeOffset time)
    {
        while (_recent.First is { } first && time - first.Value.Last > window)
        {
            _byId.Remove(first.Value.IncidentId);
            _recent.RemoveFirst();
        }
    }

    /// <summary>The earliest kill-chain position of the tactics of the findings' techniques, or null when none has one.</summary>
    private int? Stage(IReadOnlyList<Finding> members)
    {
        int? stage = null;
        foreach (var tactic in members.SelectMany(f => attack.For(f.Reason)).SelectMany(t => t.Tactics))
        {
            var at = _tacticOrder.IndexOf(tactic.Id);
            stage = stage is { } s ? Math.Min(s, at) : at;
        }

        return stage;
    }

    private static void Add(Remembered remembered, IReadOnlyList<Finding> findings)
    {
        foreach (var device in Devices(findings).Where(_ => remembered.Devices.Count < MaxKeys))
        {
            remembered.Devices.Add(device);
        }

        foreach (var address in Addresses(findings).Where(_ => remembered.Addresses.Count < MaxKeys))
        {
            remembered.Addresses.Add(address);
        }
    }

    private static IEnumerable<string> Devices(IEnumerable<Finding> findings) => findings.Select(f => f.DeviceId).OfType<string>();

    private static IEnumerable<string> Addresses(IEnumerable<Finding> findings) => findings.Select(f => f.RemoteAddress).OfType<string>();

    /// <summary>One remembered incident: its stages, the kill-chain position of its first, and what links to it.</summary>
    private sealed record Remembered(long IncidentId, long? CampaignId, HashSet<string> Devices, HashSet<string> Addresses, List<IncidentStage> Stages)
    {
        public DateTimeOffset Last { get; set; }

        public int FirstStage { get; init; }

        public bool Closed { get; set; }
    }
}
