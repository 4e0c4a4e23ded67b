using System.Buffers;
using TwinGuard.Ledger.Merkle;

namespace TwinGuard.Ledger.Proofs;

/// <summary>
/// Inclusion proofs for entries chosen while the log is read once, without a second read: a reader that learns during
/// its pass which entries it may cite (the newest few of each sort, say) tracks them, releases the ones it no longer
/// needs, and at the end has the payload and RFC 6962 §2.1.1 audit path of every entry still tracked.
/// </summary>
/// <remarks>
/// The tree is built by the full verification's stack of subtree roots (<see cref="CompactRange"/>): every time two
/// perfect subtrees merge, the left one is the sibling of each tracked leaf under the right one and vice versa, so a
/// tracked leaf collects its audit path's perfect subtrees as the pass goes, at no extra hashing. What never merged
/// below the tree size is the stack at that size, from which the proof's last (imperfect) subtrees are folded.
/// Memory is bounded by the entries tracked at once, not by the log.
/// </remarks>
public sealed class InclusionProofCollector
{
    private readonly List<Tracked> _tracked = []; // in index order
    private readonly Dictionary<long, Tracked> _byIndex = [];
    private readonly Stack<Tracked> _free = new();
    private readonly int _levels;
    private Dictionary<(long Start, int Level), byte[]>? _edge;

    /// <summary>Proofs against the tree of <paramref name="treeSize"/> entries (the signed checkpoint's).</summary>
    public InclusionProofCollector(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        TreeSize = treeSize;
        _levels = treeSize <= 1 ? 1 : 64 - (int)long.LeadingZeroCount(treeSize - 1) + 1;
    }

    /// <summary>The tree size every proof is for.</summary>
    public long TreeSize { get; }

    /// <summary>Leaves seen so far.</summary>
    public long Size { get; private set; }

    /// <summary>True once the pass reached <see cref="TreeSize"/> leaves.</summary>
    public bool IsSealed => _edge is not null;

    /// <summary>Entries tracked now.</summary>
    public int TrackedCount => _byIndex.Count;

    /// <summary>
    /// Tracks entry <paramref name="index"/> (again: tracking counts references), which must be the next leaf the pass
    /// appends or one already tracked. Its payload is copied.
    /// </summary>
    /// <exception cref="InvalidOperationException">The entry's leaf was already appended without being tracked.</exception>
    public void Track(long index, LedgerEntryKind kind, DateTimeOffset timestamp, ReadOnlySpan<byte> payload)
    {
        if (_byIndex.TryGetValue(index, out var known))
        {
            known.References++;
            return;
        }

        if (index != Size || index >= TreeSize)
        {
            throw new InvalidOperationException($"entry {index} cannot be tracked at tree size {Size} (proofs for {TreeSize} entries)");
        }

        var tracked = _free.Count > 0 ? _free.Pop() : new Tracked(new byte[_levels * MerkleHash.Size]);
        tracked.Index = index;
        tracked.Kind = kind;
        tracked.Timestamp = timestamp;
        tracked.References = 1;
        tracked.Have = 0;
        tracked.PayloadLength = payload.Length;
        tracked.Payload = ArrayPool<byte>.Shared.Rent(Math.Max(1, payload.Length));
        payload.CopyTo(tracked.Payload);
        _tracked.Add(tracked);
        _byIndex[index] = tracked;
    }

    /// <summary>Drops one reference to entry <paramref name="index"/>; no proof is made for it once none is left.</summary>
    public void Release(long index)
    {
        if (!_byIndex.TryGetValue(index, out var tracked) || --tracked.References > 0)
        {
            return;
        }

        _byIndex.Remove(index);
        var at = _tracked.BinarySearch(tracked, TrackedOrder.Instance);
        _tracked.RemoveAt(at);
        ArrayPool<byte>.Shared.Return(tracked.Payload!);
        tracked.Payload = null;
        _free.Push(tracked);
    }

    /// <summary>Whether entry <paramref name="index"/> is tracked.</summary>
    public bool IsTracked(long index) => _byIndex.ContainsKey(index);

    /// <summary>Entries tracked at the end with their proofs.</summary>
    /// <exception cref="InvalidDataException">The pass ended before <see cref="TreeSize"/> leaves.</exception>
    public IReadOnlyDictionary<long, (LedgerEntry Entry, InclusionProof Proof)> Proofs()
    {
        if (_edge is null)
        {
            throw new InvalidDataException($"the ledger has fewer than {TreeSize} entries");
        }

        var proofs = new Dictionary<long, (LedgerEntry, InclusionProof)>(_tracked.Count);
        foreach (var t in _tracked)
        {
            var path = ProofRanges.Inclusion(t.Index, TreeSize).Select(r => RangeHash(t, r.Start, r.End)).ToList();
            var entry = new LedgerEntry(t.Index, t.Kind, t.Timestamp, t.Payload.AsSpan(0, t.PayloadLength).ToArray());
            proofs[t.Index] = (entry, new InclusionProof(t.Index, TreeSize, path));
        }

        return proofs;
    }

    /// <summary>Called once per leaf appended, after the pass had its chance to track it.</summary>
    internal void Appended(long size, ReadOnlySpan<byte> stack)
    {
        Size = size;
        if (size == TreeSize)
        {
            Seal(stack);
        }
    }

    /// <summary>
    /// Two perfect subtrees of 2^<paramref name="level"/> leaves, starting at <paramref name="leftStart"/>, merged.
    /// </summary>
    internal void Merged(long leftStart, int level, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var width = 1L << level;
        if (leftStart + (2 * width) > TreeSize || level >= _levels)
        {
            return; // above the proven tree
        }

        var middle = leftStart + width;
        for (var i = _tracked.Count - 1; i >= 0; i--)
        {
            var t = _tracked[i];
            if (t.Index < leftStart)
            {
                break;
            }

            (t.Index < middle ? right : left).CopyTo(t.Hashes.AsSpan(level * MerkleHash.Size, MerkleHash.Size));
            t.Have |= 1L << level;
        }
    }

    private void Seal(ReadOnlySpan<byte> stack)
    {
        // The stack holds one perfect subtree per set bit of the size, largest (leftmost) first.
        _edge = [];
        var start = 0L;
        var at = 0;
        for (var level = 63; level >= 0; level--)
        {
            if ((TreeSize & (1L << level)) == 0)
            {
                continue;
            }

            _edge[(start, level)] = stack.Slice(at * MerkleHash.Size, MerkleHash.Size).ToArray();
            start += 1L << level;
            at++;
        }
    }

    private byte[] RangeHash(Tracked t, long start, long end)
    {
        var width = end - start;
        if (long.IsPow2(width) && start % width == 0)
        {
            var level = (int)long.Log2(width);
            if ((t.Have & (1L << level)) != 0 && start == ((t.Index >> level) ^ 1) << level)
            {
                return t.Hashes.AsSpan(level * MerkleHash.Size, MerkleHash.Size).ToArray();
            }

            return _edge!.TryGetValue((start, level), out var hash)
                ? hash
                : throw new InvalidOperationException($"subtree [{start}, {end}) of entry {t.Index}'s proof was not seen");
        }

        // RFC 6962 §2.1: MTH(D[start:end]) = HASH(0x01 || MTH(D[start:start+k]) || MTH(D[start+k:end])).
        var k = MerkleHash.LargestPowerOfTwoBelow(width);
        return MerkleHash.Node(RangeHash(t, start, start + k), RangeHash(t, start + k, end));
    }

    private sealed class Tracked(byte[] hashes)
    {
        public long Index { get; set; }

        public LedgerEntryKind Kind { get; set; }

        public DateTimeOffset Timestamp { get; set; }

        public int References { get; set; }

        public long Have { get; set; }

        public byte[]? Payload { get; set; }

        public int PayloadLength { get; set; }

        public byte[] Hashes { get; } = hashes;
    }

    private sealed class TrackedOrder : IComparer<Tracked>
    {
        public static readonly TrackedOrder Instance = new();

        public int Compare(Tracked? x, Tracked? y) => (x?.Index ?? -1).CompareTo(y?.Index ?? -1);
    }
}
