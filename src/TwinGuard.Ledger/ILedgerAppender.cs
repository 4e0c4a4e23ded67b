namespace TwinGuard.Ledger;

/// <summary>
/// Where a site's entries are appended: its own <see cref="LedgerWriter"/>, or a cluster's one sequencer
/// (docs/cluster.md) that numbers every silo's entries in one order.
/// </summary>
public interface ILedgerAppender
{
    /// <summary>Appends one entry (the payload is copied before returning); returns the number to wait on with <see cref="WhenDurableAsync"/>.</summary>
    long Append(LedgerEntryKind kind, ReadOnlySpan<byte> payload);

    /// <summary>Completes when the entry <paramref name="index"/> returned by <see cref="Append"/> (and all before it) is durable.</summary>
    Task WhenDurableAsync(long index);
}
