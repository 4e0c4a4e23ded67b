using System.Security.Cryptography;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Merkle;

namespace TwinGuard.Ledger.Proofs;

/// <summary>RFC 6962 §2.1.2 consistency proof: the tree of <see cref="SecondSize"/> entries extends that of <see cref="FirstSize"/>.</summary>
/// <param name="FirstSize">The older (smaller) tree size.</param>
/// <param name="SecondSize">The newer tree size.</param>
/// <param name="Path">Subtree hashes; at most about 2·log2(SecondSize) of them; empty when the sizes are equal.</param>
public sealed record ConsistencyProof(long FirstSize, long SecondSize, IReadOnlyList<byte[]> Path)
{
    /// <summary>True when the proof links <paramref name="firstRoot"/> to <paramref name="secondRoot"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot) =>
        Verify(FirstSize, SecondSize, firstRoot, secondRoot, Path);

    /// <summary>
    /// The whole offline check: both checkpoints are signed by <paramref name="publicKey"/> and the proof links them.
    /// </summary>
    public bool Verify(Checkpoint first, Checkpoint second, LedgerPublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(publicKey);
        return first.TreeSize == FirstSize && second.TreeSize == SecondSize
               && publicKey.Verify(first) && publicKey.Verify(second)
               && Verify(first.RootHash, second.RootHash);
    }

    /// <summary>RFC 9162 §2.1.4.2: verifying consistency between two tree heads.</summary>
    public static bool Verify(long first, long second, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot,
        IReadOnlyList<byte[]> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (first < 0 || first > second || firstRoot.Length != MerkleHash.Size || secondRoot.Length != MerkleHash.Size)
        {
            return false;
        }

        if (first == second)
        {
            return path.Count == 0 && CryptographicOperations.FixedTimeEquals(firstRoot, secondRoot);
        }

        if (first == 0)
        {
            // Every tree extends the empty one; there is nothing to prove.
            return path.Count == 0 && CryptographicOperations.FixedTimeEquals(firstRoot, MerkleHash.EmptyRoot());
        }

        // Step 1-2: an empty path fails; if first is a power of two, first_hash is prepended.
        if (path.Count == 0 || path.Any(p => p is not { Length: MerkleHash.Size }))
        {
            return false;
        }

        var nodes = new List<byte[]>(path.Count + 1);
        if ((first & (first - 1)) == 0)
        {
            nodes.Add(firstRoot.ToArray());
        }

        nodes.AddRange(path);

        // Steps 3-4.
        var fn = first - 1;
        var sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        // Step 5.
        Span<byte> fr = stackalloc byte[MerkleHash.Size];
        Span<byte> sr = stackalloc byte[MerkleHash.Size];
        nodes[0].CopyTo(fr);
        nodes[0].CopyTo(sr);

        // Step 6.
        for (var i = 1; i < nodes.Count; i++)
        {
            var c = nodes[i];
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(c, fr, fr);
                MerkleHash.Node(c, sr, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                MerkleHash.Node(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Step 7.
        return sn == 0
               && CryptographicOperations.FixedTimeEquals(fr, firstRoot)
               && CryptographicOperations.FixedTimeEquals(sr, secondRoot);
    }
}
