using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Plant;

/// <summary>Which findings a correlation rule's step takes: every list given must match (an empty list matches all).</summary>
/// <param name="Reasons">Reason codes.</param>
/// <param name="Techniques">MITRE ATT&amp;CK for ICS technique ids (a finding matches when its reason maps to one of them).</param>
/// <param name="Assets">Assets (the plant model's <c>tags:</c> are expanded into their assets when it is loaded).</param>
public sealed record FindingCondition(IReadOnlyList<ReasonCode> Reasons, IReadOnlyList<string> Techniques, IReadOnlyList<string> Assets)
{
    /// <summary>True when <paramref name="finding"/> satisfies the condition.</summary>
    public bool Matches(Finding finding) =>
        (Reasons.Count == 0 || Reasons.Contains(finding.Reason))
        && (Techniques.Count == 0 || AttackMapping.Default.For(finding.Reason).Any(t => Techniques.Contains(t.Id)))
        && (Assets.Count == 0 || (finding.AssetId is { } asset && Assets.Contains(asset)));
}
