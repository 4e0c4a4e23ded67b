using System.Security.Cryptography;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Merkle;

namespace TwinGuard.Ledger.Proofs;

/// <summary>RFC 6962 §2.1.1 audit path: entry <see cref="LeafIndex"/> is in the tree of <see cref="TreeSize"/> entries.</summary>
/// <param name="LeafIndex">The entry's index.</param>
/// <param name="TreeSize">Size of the tree the proof is for (a checkpoint's tree size).</param>
/// <param name="Path">Sibling hashes from the leaf upwards; at most ceil(log2(TreeSize)) of them.</param>
public sealed record InclusionProof(long LeafIndex, long TreeSize, IReadOnlyList<byte[]> Path)
{
    /// <summary>True when <paramref name="leafHash"/> at this index and this path give <paramref name="rootHash"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> leafHash, ReadOnlySpan<byte> rootHash) =>
        Verify(LeafIndex, TreeSize, leafHash, Path, rootHash);

    /// <summary>
    /// The whole offline check for an entry: the checkpoint is signed by <paramref name="publicKey"/>, this proof is
    /// for the checkpoint's tree size, and the entry's recomputed leaf hash leads to the checkpoint's root.
    /// </summary>
    public bool Verify(LedgerEntry entry, Checkpoint checkpoint, LedgerPublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(publicKey);
        return entry.Index == LeafIndex
               && checkpoint.TreeSize == TreeSize
               && publicKey.Verify(checkpoint)
               && Verify(entry.ComputeLeafHash(), checkpoint.RootHash);
    }

    /// <summary>RFC 9162 §2.1.3.2: verifying an inclusion proof.</summary>
    public static bool Verify(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path,
        ReadOnlySpan<byte> rootHash)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (leafIndex < 0 || leafIndex >= treeSize || leafHash.Length != MerkleHash.Size
            || rootHash.Length != MerkleHash.Size)
        {
            return false;
        }

        var fn = leafIndex;
        var sn = treeSize - 1;
        Span<byte> r = stackalloc byte[MerkleHash.Size];
        leafHash.CopyTo(r);
        foreach (var p in path)
        {
            if (sn == 0 || p is not { Length: MerkleHash.Size })
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                MerkleHash.Node(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, rootHash);
    }
}
