using TwinGuard.Ledger;

namespace TwinGuard.Twins.Compliance;

/// <summary>One piece of evidence a catalogue entry names.</summary>
/// <param name="Kind">Fact, ledger query or self-test.</param>
/// <param name="Fact">The fact's name (<see cref="ComplianceFacts.Names"/>), for <see cref="EvidenceKind.Fact"/>.</param>
/// <param name="EntryKinds">Ledger entry kinds counted, for <see cref="EvidenceKind.Ledger"/>.</param>
/// <param name="Reasons">Only findings with one of these reason codes (empty: any).</param>
/// <param name="Min">Entries the period must hold for the rule to be met (0: the count is shown, never failed); a rule with a minimum that fails makes its control not met.</param>
/// <param name="What">What the entries show, in words.</param>
/// <param name="MaxAge">For a self-test: how old, before the period's end, it may be.</param>
public sealed record EvidenceRule(
    EvidenceKind Kind,
    string? Fact,
    IReadOnlyList<LedgerEntryKind> EntryKinds,
    IReadOnlyList<string> Reasons,
    int Min,
    string? What,
    TimeSpan MaxAge)
{
    /// <summary>How the rule reads in a report: <c>fact device-identity</c>, <c>ledger finding[unknown_source]</c>.</summary>
    public string Describe() => Kind switch
    {
        EvidenceKind.Fact => "fact " + Fact,
        EvidenceKind.SelfTest => "self-test simulate",
        _ => "ledger " + string.Join(",", EntryKinds.Select(LedgerJson.KindName))
             + (Reasons.Count > 0 ? "[" + string.Join(",", Reasons) + "]" : string.Empty)
             + (Min > 0 ? $" >= {Min}" : string.Empty),
    };
}
