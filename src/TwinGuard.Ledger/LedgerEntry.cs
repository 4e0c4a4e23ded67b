using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger;

/// <summary>One entry of the ledger as read back from disk.</summary>
/// <param name="Index">Position in the log, from 0.</param>
/// <param name="Kind">What the entry records.</param>
/// <param name="Timestamp">When it was appended (microsecond precision).</param>
/// <param name="Payload">The bytes given to <c>Append</c> (the pipeline writes UTF-8 JSON).</param>
public sealed record LedgerEntry(long Index, LedgerEntryKind Kind, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Payload)
{
    /// <summary>
    /// The RFC 6962 leaf data d(i) of this entry: the record bytes after the 0x00 prefix and before the check
    /// (docs/ledger-format.md §Records).
    /// </summary>
    public byte[] LeafData()
    {
        var record = new byte[RecordFormat.HeaderSize + Payload.Length];
        RecordFormat.WriteUnhashed(record, Kind, Index, RecordFormat.MicrosSinceEpoch(Timestamp), Payload.Span);
        return record[1..];
    }

    /// <summary>RFC 6962 §2.1: SHA-256(0x00 || d(i)), recomputed from the fields (nothing stored is trusted).</summary>
    public byte[] ComputeLeafHash() => Merkle.MerkleHash.Leaf(LeafData());
}
