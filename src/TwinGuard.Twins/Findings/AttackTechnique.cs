namespace TwinGuard.Twins.Findings;

/// <summary>A MITRE ATT&amp;CK for ICS technique with the tactics it serves.</summary>
/// <param name="Id">Technique id, e.g. <c>T0856</c>.</param>
/// <param name="Name">Its name, e.g. <c>Spoofed Reporting Message</c>.</param>
/// <param name="Tactics">The tactics it belongs to.</param>
public sealed record AttackTechnique(string Id, string Name, IReadOnlyList<AttackTactic> Tactics);
