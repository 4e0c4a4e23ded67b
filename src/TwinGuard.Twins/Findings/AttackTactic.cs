namespace TwinGuard.Twins.Findings;

/// <summary>A MITRE ATT&amp;CK for ICS tactic.</summary>
/// <param name="Id">Tactic id, e.g. <c>TA0106</c>.</param>
/// <param name="Name">Its name, e.g. <c>Impair Process Control</c>.</param>
public sealed record AttackTactic(string Id, string Name);
