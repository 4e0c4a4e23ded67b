using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Respond;

/// <summary>Decides which playbooks answer an incident.</summary>
public static class PlaybookMatcher
{
    /// <summary>The rule name the correlator gives incidents that one critical finding opened.</summary>
    public const string CriticalRule = "critical-finding";

    /// <summary>The playbooks whose trigger and conditions hold for <paramref name="incident"/>, in file order.</summary>
    public static IReadOnlyList<Playbook> Match(ResponsePlan plan, Incident incident, PlantModel plant) =>
        plan.Playbooks.Where(p => Matches(p, incident, plant)).ToList();

    /// <summary>True when the playbook's trigger and conditions hold for the incident.</summary>
    public static bool Matches(Playbook playbook, Incident incident, PlantModel plant)
    {
        var t = playbook.Trigger;
        var asset = incident.AssetId is { } a ? plant.FindAsset(a) : null;
        var scopeKind = incident.Scope.Split(':', 2)[0];
        var critical = incident.Rule == CriticalRule;
        if ((t.Kind == IncidentKind.Critical && !critical) || (t.Kind == IncidentKind.Correlated && critical)
            || incident.Severity < t.MinSeverity
            || (t.Scopes.Count > 0 && !t.Scopes.Contains(scopeKind))
            || (t.Assets.Count > 0 && (asset is null || !t.Assets.Contains(asset.Id)))
            || (t.Tags.Count > 0 && (asset is null || !asset.Tags.Any(t.Tags.Contains)))
            || (t.Devices.Count > 0 && (incident.DeviceId is null || !t.Devices.Contains(incident.DeviceId)))
            || (t.Reasons.Count > 0 && !incident.Reasons.Any(t.Reasons.Contains)))
        {
            return false;
        }

        var c = playbook.Conditions;
        var deviceKnown = incident.DeviceId is { } d && plant.FindDevice(d) is not null;
        return (c.DeviceKnown is not { } known || known == deviceKnown)
            && (c.AssetKinds.Count == 0 || (asset is not null && c.AssetKinds.Contains(asset.Kind)))
            && (c.MinCriticality is not { } min || (asset is not null && asset.Signals.Any(s => s.Criticality >= min)));
    }
}
