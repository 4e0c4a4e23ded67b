namespace TwinGuard.Ledger.Writing;

/// <summary>Records appended together and written with one write call; reused from batch to batch.</summary>
internal sealed class LedgerBatch(byte[] buffer)
{
    public byte[] Buffer { get; set; } = buffer;

    /// <summary>Bytes used in <see cref="Buffer"/>.</summary>
    public int Length { get; set; }

    public int Count { get; set; }

    public long FirstIndex { get; set; }

    /// <summary>Tree size once this batch is in the tree (set by the hashing thread).</summary>
    public long SizeAfter { get; set; }

    /// <summary>Tree root once this batch is in the tree (set by the hashing thread).</summary>
    public byte[] RootAfter { get; } = new byte[Merkle.MerkleHash.Size];

    /// <summary>The compact range's subtree roots once this batch is in the tree (<see cref="StackLength"/> bytes used).</summary>
    public byte[] StackAfter { get; } = new byte[64 * Merkle.MerkleHash.Size];

    public int StackLength { get; set; }

    public void Reset()
    {
        Length = 0;
        Count = 0;
        FirstIndex = 0;
    }
}
