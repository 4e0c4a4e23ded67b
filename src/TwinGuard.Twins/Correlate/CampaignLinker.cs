using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Correlate;

/// <summary>
/// Links incidents into campaigns: an unknown client probing from an address, that address presenting a device's
/// credentials, and that device's values spoofed on another asset are three incidents (each contained on its own) and
/// one story. A new incident continues the campaign of an earlier one when they share a device or a client address and
/// its MITRE ATT&amp;CK for ICS tactics go no earlier in the kill chain than the campaign's first stage, within
/// <see cref="Plant.CorrelationSettings.CampaignWindow"/>.
/// </summary>
/// <remarks>
/// Single-threaded (the correlate stage's loop). Bounded: at most <see cref="MaxIncidents"/> recent incidents and
/// <see cref="MaxKeys"/> devices and addresses each are remembered; what is older than the window is forgotten first.
/// Findings that are no adversary behaviour (no ATT&amp;CK technique, e.g. <c>quarantined</c>) never link.
/// </remarks>
public sealed class CampaignLinker(TimeSpan window, AttackMapping attack)
{
    /// <summary>Recent incidents remembered.</summary>
    public const int MaxIncidents = 1024;

    /// <summary>Devices and addresses remembered per incident.</summary>
    public const int MaxKeys = 32;

    private readonly LinkedList<Remembered> _recent = new();
    private readonly Dictionary<long, LinkedListNode<Remembered>> _byId = [];
    private readonly List<string> _tacticOrder = attack.Tactics.Select(t => t.Id).ToList();

    /// <summary>The campaign (its first incident's id) that an incident opening over <paramref name="members"/> continues, or null.</summary>
    public long? CampaignOf(IReadOnlyList<Finding> members, DateTimeOffset time)
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
            if (earlier.FirstStage <= stage && (earlier.Devices.Overlaps(devices) || earlier.Addresses.Overlaps(addresses)))
            {
                return earlier.CampaignId;
            }
        }

        return null;
    }

    /// <summary>Remembers an opened incident (with its <see cref="Incident.CampaignId"/> already decided).</summary>
    public void Opened(Incident incident, IReadOnlyList<Finding> members, DateTimeOffset time)
    {
        var campaign = incident.CampaignId ?? incident.Id;
        var firstStage = incident.CampaignId is { } root && _byId.TryGetValue(root, out var rootNode) ? rootNode.Value.FirstStage : Stage(members) ?? int.MaxValue;
        var remembered = new Remembered(incident.Id, campaign, firstStage, new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal)) { Last = time };
        Add(remembered, members);
        _byId[incident.Id] = _recent.AddLast(remembered);
        while (_recent.Count > MaxIncidents)
        {
            _byId.Remove(_recent.First!.Value.IncidentId);
            _recent.RemoveFirst();
        }
    }

    /// <summary>A finding joined an open incident: its device and address now link to the incident's campaign too.</summary>
    public void Joined(long incidentId, Finding finding)
    {
        if (_byId.TryGetValue(incidentId, out var node))
        {
            Add(node.Value, [finding]);
            node.Value.Last = finding.Time;
        }
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

    /// <summary>One remembered incident: its campaign, the campaign's first stage, and what links to it.</summary>
    private sealed record Remembered(long IncidentId, long CampaignId, int FirstStage, HashSet<string> Devices, HashSet<string> Addresses)
    {
        public DateTimeOffset Last { get; set; }
    }
}
