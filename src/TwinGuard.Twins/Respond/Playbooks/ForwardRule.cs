using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>Which findings go to a SIEM notifier as they are found (the <c>forward:</c> section of playbooks.yaml).</summary>
/// <param name="Notifier">The notifier's id.</param>
/// <param name="MinSeverity">Findings below this severity stay home.</param>
/// <param name="Reasons">Only these reasons; empty for every reason.</param>
public sealed record ForwardRule(string Notifier, Severity MinSeverity, IReadOnlyList<ReasonCode> Reasons)
{
    /// <summary>True when the finding goes to this rule's notifier.</summary>
    public bool Matches(Finding finding) => finding.Severity >= MinSeverity && (Reasons.Count == 0 || Reasons.Contains(finding.Reason));
}
