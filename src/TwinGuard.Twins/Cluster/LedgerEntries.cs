namespace TwinGuard.Twins.Cluster;

/// <summary>Entries on their way from a silo to the <see cref="ILedgerSequencerGrain"/>.</summary>
/// <param name="Kinds">Each entry's <see cref="Ledger.LedgerEntryKind"/>.</param>
/// <param name="Payloads">Each entry's payload, in the same order.</param>
[GenerateSerializer, Immutable, Alias("twinguard.ledger-entries.v1")]
public sealed record LedgerEntries([property: Id(0)] int[] Kinds, [property: Id(1)] byte[][] Payloads)
{
    /// <summary>
    /// The batch's identity, the same on every retry of it: a sequencer that has already written a batch with this id
    /// answers with its first index instead of writing it again (<see cref="Guid.Empty"/>: no such check).
    /// </summary>
    [Id(2)]
    public Guid BatchId { get; init; }
}
