namespace TwinGuard.Server.Access;

/// <summary>An analyst's verdict on a finding or an incident: the feedback the Learn stage takes.</summary>
/// <param name="Id">Store id.</param>
/// <param name="Subject"><c>finding</c> or <c>incident</c>.</param>
/// <param name="SubjectId">The finding's or incident's id.</param>
/// <param name="AssetId">The asset concerned, when there is one.</param>
/// <param name="Value"><c>false_positive</c> or <c>confirmed_attack</c>.</param>
/// <param name="Comment">Why.</param>
/// <param name="By">Who (a key's name and id).</param>
/// <param name="Time">When.</param>
/// <param name="LedgerEntry">The ledger entry that records it.</param>
internal sealed record Verdict(
    long Id, string Subject, long SubjectId, string? AssetId, string Value, string Comment, string By, DateTimeOffset Time, long LedgerEntry)
{
    /// <summary>The verdicts an analyst can give.</summary>
    public static IReadOnlyList<string> Values { get; } = ["false_positive", "confirmed_attack"];
}
