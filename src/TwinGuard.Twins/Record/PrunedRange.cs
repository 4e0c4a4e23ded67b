namespace TwinGuard.Twins.Record;

/// <summary>What one pruning removed (or is about to remove) of one kind of evidence: enough to say exactly what it was.</summary>
/// <param name="Kind"><c>refusals</c>, <c>findings</c>, <c>reports</c> or <c>queue:NAME</c>.</param>
/// <param name="Bounds">The bounds that were passed, as written (<c>max_age 90d</c>, <c>max_bytes 1073741824</c>).</param>
/// <param name="Count">Rows, incident reports or messages.</param>
/// <param name="Bytes">Their size (stored text and payload lengths, file sizes, queue lines).</param>
/// <param name="First">The first row id, incident number or queue offset.</param>
/// <param name="Last">The last one.</param>
/// <param name="From">The oldest time among them.</param>
/// <param name="To">The newest time among them.</param>
/// <param name="Sha256">
/// SHA-256 over their canonical form in order (docs/ledger-entries.md, <c>retention</c>), so that a backup can be
/// checked against the ledger.
/// </param>
public sealed record PrunedRange(string Kind, IReadOnlyList<string> Bounds, long Count, long Bytes, long First, long Last, DateTimeOffset From, DateTimeOffset To, string Sha256)
{
    /// <summary>For findings: the first and last ledger entries that recorded them (the ledger keeps proving each one).</summary>
    public (long First, long Last)? LedgerEntries { get; init; }
}
