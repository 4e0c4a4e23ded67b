using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Proofs;
using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger;

/// <summary>Reading a whole log once: every entry for a report, and many inclusion proofs from one pass.</summary>
public sealed partial class LedgerReader
{
    /// <summary>Hands every well-formed entry to <paramref name="visitor"/> in log order, without copying payloads.</summary>
    /// <returns>The number of entries visited.</returns>
    /// <exception cref="InvalidDataException">The log is damaged before the visitor stopped.</exception>
    public long Scan(LedgerEntryVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        var visited = 0L;
        var stoppedAt = long.MaxValue;
        var problem = new LedgerScan(Directory).Run((in RecordView record) =>
        {
            visited++;
            if (visitor(record.Index, record.Kind, RecordFormat.FromMicros(record.TimestampMicros), record.Payload))
            {
                return true;
            }

            stoppedAt = record.Index;
            return false;
        });
        ThrowIfBefore(problem, stoppedAt);
        return visited;
    }

    /// <summary>
    /// RFC 6962 §2.1.1 audit paths of every entry of <paramref name="indices"/> in the tree of <paramref name="treeSize"/>
    /// entries, from one sequential read of the log (<see cref="ProveInclusion"/> reads it once per proof).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is not below treeSize.</exception>
    /// <exception cref="InvalidDataException">The log has fewer well-formed entries than treeSize.</exception>
    public IReadOnlyDictionary<long, InclusionProof> ProveInclusions(IEnumerable<long> indices, long treeSize) =>
        ProveInclusions(indices, treeSize, null);

    /// <summary>
    /// <see cref="ProveInclusions(IEnumerable{long}, long)"/>, also handing each proven entry to <paramref name="entries"/>
    /// from the same read, so a report that cites entries reads the log once for their payloads and proofs.
    /// </summary>
    public IReadOnlyDictionary<long, InclusionProof> ProveInclusions(IEnumerable<long> indices, long treeSize, Action<LedgerEntry>? entries)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var ranges = new Dictionary<long, List<(long Start, long End)>>();
        foreach (var index in indices)
        {
            if (index < 0 || index >= treeSize)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"entry {index} is not in a tree of {treeSize} entries");
            }

            ranges.TryAdd(index, ProofRanges.Inclusion(index, treeSize));
        }

        if (ranges.Count == 0)
        {
            return new Dictionary<long, InclusionProof>();
        }

        // Every range of a proof is MTH of perfect aligned subtrees (RFC 6962 §2.1: split at the largest power of two
        // below the width), which one pass with a stack of subtree roots produces as it merges them.
        var wanted = new HashSet<(long Start, int Level)>();
        foreach (var range in ranges.Values.SelectMany(r => r))
        {
            Perfect(range.Start, range.End, wanted);
        }

        var found = new Dictionary<(long Start, int Level), byte[]>(wanted.Count);
        var stack = new List<(long Start, int Level, byte[] Hash)>();
        var problem = new LedgerScan(Directory).Run((in RecordView record) =>
        {
            if (entries is not null && ranges.ContainsKey(record.Index))
            {
                entries(new LedgerEntry(record.Index, record.Kind, RecordFormat.FromMicros(record.TimestampMicros), record.Payload.ToArray()));
            }

            var node = (Start: record.Index, Level: 0, Hash: record.LeafHash.ToArray());
            while (true)
            {
                if (wanted.Contains((node.Start, node.Level)))
                {
                    found[(node.Start, node.Level)] = node.Hash;
                }

                if (stack.Count == 0 || stack[^1].Level != node.Level)
                {
                    break;
                }

                var left = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                node = (left.Start, node.Level + 1, MerkleHash.Node(left.Hash, node.Hash));
            }

            stack.Add(node);
            return record.Index + 1 < treeSize;
        });
        ThrowIfBefore(problem, treeSize);
        if (found.Count < wanted.Count)
        {
            throw new InvalidDataException($"{Directory}: the ledger has fewer than {treeSize} entries");
        }

        return ranges.ToDictionary(p => p.Key, p => new InclusionProof(p.Key, treeSize,
            p.Value.Select(r => Hash(r.Start, r.End, found)).ToList()));
    }

    private static void Perfect(long start, long end, HashSet<(long, int)> wanted)
    {
        var width = end - start;
        if (long.IsPow2(width) && start % width == 0)
        {
            wanted.Add((start, (int)long.Log2(width)));
            return;
        }

        var k = MerkleHash.LargestPowerOfTwoBelow(width);
        Perfect(start, start + k, wanted);
        Perfect(start + k, end, wanted);
    }

    private static byte[] Hash(long start, long end, Dictionary<(long, int), byte[]> found)
    {
        var width = end - start;
        if (long.IsPow2(width) && start % width == 0)
        {
            return found[(start, (int)long.Log2(width))];
        }

        var k = MerkleHash.LargestPowerOfTwoBelow(width);
        return MerkleHash.Node(Hash(start, start + k, found), Hash(start + k, end, found));
    }
}
