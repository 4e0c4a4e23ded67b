namespace TwinGuard.Twins.Respond;

/// <summary>What notifiers send: the incident, its evidence, the playbook and what it did.</summary>
/// <param name="Site">The site id of the plant model.</param>
/// <param name="Context">The incident and its evidence.</param>
/// <param name="Playbook">The playbook that sends it.</param>
/// <param name="Actions">The actions taken so far for this incident.</param>
/// <param name="Time">When the alert is sent.</param>
public sealed record IncidentAlert(string Site, IncidentContext Context, string Playbook, IReadOnlyList<ActionRecord> Actions, DateTimeOffset Time);
