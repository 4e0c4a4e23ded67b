namespace TwinGuard.Twins.Cluster;

/// <summary>
/// The one writer of a cluster's ledger (one per site, keyed by the site id): every silo sends it its entries, it
/// appends them in the order the calls arrive (Orleans runs one call at a time), so the cluster has one totally ordered,
/// verifiable ledger. Its activation holds the ledger directory's writer lock; when its silo dies it is activated on
/// another silo, which recovers any torn tail and continues the same log.
/// </summary>
[Alias("twinguard.ledger-sequencer")]
public interface ILedgerSequencerGrain : IGrainWithStringKey
{
    /// <summary>Appends the entries in order and returns once they are durable: the index of the first.</summary>
    [Alias("append")]
    Task<long> AppendAsync(LedgerEntries entries);
}
