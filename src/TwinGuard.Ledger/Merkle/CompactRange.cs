using TwinGuard.Ledger.Proofs;

namespace TwinGuard.Ledger.Merkle;

/// <summary>
/// The right edge of an append-only Merkle tree: one root per set bit of the size, the "stack of perfect subtree
/// roots". Appending a leaf costs O(1) hashes amortised; the RFC 6962 root is folded from the stack on demand.
/// </summary>
/// <remarks>
/// For size n the stack holds MTH of the perfect subtrees that RFC 6962 §2.1's recursive split produces down the
/// right edge, largest (leftmost) first. Folding them right to left gives exactly MTH(D[n]).
/// </remarks>
internal sealed class CompactRange
{
    private const int MaxLevels = 64;
    private readonly byte[] _stack = new byte[MaxLevels * MerkleHash.Size];
    private int _depth;

    /// <summary>The stack of subtree roots, largest first: one hash per set bit of <see cref="Size"/>.</summary>
    public ReadOnlySpan<byte> Stack => _stack.AsSpan(0, _depth * MerkleHash.Size);

    /// <summary>Rebuilds the right edge of a tree of <paramref name="size"/> leaves from its <see cref="Stack"/>.</summary>
    public static CompactRange Restore(long size, ReadOnlySpan<byte> stack)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (stack.Length != long.PopCount(size) * MerkleHash.Size)
        {
            throw new ArgumentException($"a tree of {size} leaves has {long.PopCount(size)} subtree roots", nameof(stack));
        }

        var range = new CompactRange { Size = size, _depth = (int)long.PopCount(size) };
        stack.CopyTo(range._stack);
        return range;
    }

    /// <summary>When set, every perfect subtree formed at <see cref="SubtreeCache.MinLevel"/> or above is kept there.</summary>
    public SubtreeCache? Capture { get; set; }

    /// <summary>
    /// When set, told of every merge (the siblings of tracked leaves' audit paths) and every size reached; only
    /// <see cref="Append"/> feeds it (an aligned block appended whole hides its inner merges).
    /// </summary>
    public InclusionProofCollector? ProofCollector { get; set; }

    /// <summary>Leaves appended so far.</summary>
    public long Size { get; private set; }

    /// <summary>Appends one leaf hash.</summary>
    public void Append(ReadOnlySpan<byte> leafHash) => AppendSubtree(leafHash, 0);

    /// <summary>
    /// Appends the root of a perfect subtree of 2^<paramref name="level"/> leaves. The current size must be a
    /// multiple of 2^level (the subtree is aligned), which holds for every leaf and for aligned blocks.
    /// </summary>
    public void AppendSubtree(ReadOnlySpan<byte> subtreeRoot, int level)
    {
        var width = 1L << level;
        if ((Size & (width - 1)) != 0)
        {
            throw new InvalidOperationException($"a subtree of {width} leaves cannot start at {Size}");
        }

        var stack = _stack.AsSpan();
        var top = stack.Slice(_depth * MerkleHash.Size, MerkleHash.Size);
        subtreeRoot.CopyTo(top);

        // Merge while the new size has a carry at this level: each merge is one RFC 6962 node hash.
        var bits = Size >> level;
        var formed = level;
        var capture = Capture;
        var proofs = ProofCollector;
        while ((bits & 1) == 1)
        {
            var left = stack.Slice((_depth - 1) * MerkleHash.Size, MerkleHash.Size);
            proofs?.Merged(Size + width - (2L << formed), formed, left, stack.Slice(_depth * MerkleHash.Size, MerkleHash.Size));
            MerkleHash.Node(left, stack.Slice(_depth * MerkleHash.Size, MerkleHash.Size), left);
            _depth--;
            bits >>= 1;
            formed++;
            if (capture is not null && formed >= SubtreeCache.MinLevel)
            {
                capture.Add(Size + width - (1L << formed), formed, left);
            }
        }

        _depth++;
        Size += width;
        proofs?.Appended(Size, Stack);
    }

    /// <summary>Writes MTH of the leaves appended so far into <paramref name="destination"/>.</summary>
    public void Root(Span<byte> destination)
    {
        if (_depth == 0)
        {
            MerkleHash.EmptyRoot().CopyTo(destination);
            return;
        }

        Span<byte> acc = stackalloc byte[MerkleHash.Size];
        _stack.AsSpan((_depth - 1) * MerkleHash.Size, MerkleHash.Size).CopyTo(acc);
        for (var i = _depth - 2; i >= 0; i--)
        {
            MerkleHash.Node(_stack.AsSpan(i * MerkleHash.Size, MerkleHash.Size), acc, acc);
        }

        acc.CopyTo(destination);
    }

    /// <summary>MTH of the leaves appended so far, as a new array.</summary>
    public byte[] Root()
    {
        var root = new byte[MerkleHash.Size];
        Root(root);
        return root;
    }
}
