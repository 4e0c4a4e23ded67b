namespace TwinGuard.Ledger.Storage;

/// <summary>One record as the scanner found it, valid only during the visitor call.</summary>
internal readonly ref struct RecordView
{
    public RecordView(long index, LedgerEntryKind kind, long timestampMicros, ReadOnlySpan<byte> payload,
        ReadOnlySpan<byte> leafHash, int segmentNumber, long offset)
    {
        Index = index;
        Kind = kind;
        TimestampMicros = timestampMicros;
        Payload = payload;
        LeafHash = leafHash;
        SegmentNumber = segmentNumber;
        Offset = offset;
    }

    public long Index { get; }

    public LedgerEntryKind Kind { get; }

    public long TimestampMicros { get; }

    public ReadOnlySpan<byte> Payload { get; }

    public ReadOnlySpan<byte> LeafHash { get; }

    /// <summary>Position of the segment in <see cref="LedgerScan.Segments"/>.</summary>
    public int SegmentNumber { get; }

    /// <summary>Byte offset of the record in its segment file.</summary>
    public long Offset { get; }
}
