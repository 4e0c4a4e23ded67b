using System.Globalization;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Share;

/// <summary>
/// What leaves the site for one peer: its <c>send:</c> list decides the kinds, and an incident summary carries raw
/// process values (the finding messages in the title, the values of its findings) only for a peer with <c>values: true</c>.
/// </summary>
/// <remarks>The sender's one gate: <see cref="PeerSender"/> asks it for every message, nothing goes out around it.</remarks>
public static class PeerPolicy
{
    /// <summary>Whether <paramref name="peer"/> may receive messages of <paramref name="share"/> (a <see cref="PeerShare"/> name).</summary>
    public static bool Allows(PeerModel peer, string share)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return peer.Send.Contains(share);
    }

    /// <summary>The summary of <paramref name="incident"/> (its source connecting from <paramref name="addresses"/>) that <paramref name="peer"/> may see, or null when it receives no incidents.</summary>
    public static PeerIncident? Summary(string siteId, Incident incident, IReadOnlyList<string> addresses, PeerModel peer)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (!Allows(peer, PeerShare.Incidents))
        {
            return null;
        }

        var members = incident.Members;
        var trigger = members.Count > 0 ? members[^1] : null;
        var reasons = incident.Reasons.Select(r => r.Name()).ToList();
        var summary = new PeerIncident(
            siteId, incident.Id, incident.Opened.ToUnixTimeMilliseconds(), incident.Severity.ToString().ToLowerInvariant(),
            // The title ends with the finding's message, which names values: without values only the reason and scope.
            peer.Values ? incident.Title : $"{(trigger?.Reason ?? incident.Reasons.FirstOrDefault()).Name()} on {incident.Scope}",
            incident.Rule, reasons, [.. AttackMapping.Default.For(incident.Reasons).Select(t => t.Id).Distinct()])
        {
            Asset = incident.AssetId,
            Device = incident.DeviceId,
            Addresses = addresses,
        };
        if (!peer.Values)
        {
            return summary;
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var m in members)
        {
            if (m is { AssetId: { } asset, SignalId: { } signal, Value: { } value } && double.IsFinite(value))
            {
                values[string.Create(CultureInfo.InvariantCulture, $"{asset}/{signal}")] = value;
            }
        }

        return summary with { Values = values };
    }
}
