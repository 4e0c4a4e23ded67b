using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Proofs;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger;

/// <summary>
/// Reads a ledger directory offline: entries, checkpoints and proofs. Safe to use while a writer appends (it sees
/// what was written when it reads); it never modifies the directory.
/// </summary>
public sealed partial class LedgerReader : IDisposable
{
    private LedgerReader(string directory, IReadOnlyList<Checkpoint> checkpoints, LedgerPublicKey? publicKey)
    {
        Directory = directory;
        Checkpoints = checkpoints;
        PublicKey = publicKey;
    }

    /// <summary>The ledger directory.</summary>
    public string Directory { get; }

    /// <summary>Every complete checkpoint in file order (signatures not checked here; see <see cref="Verification.LedgerVerifier"/>).</summary>
    public IReadOnlyList<Checkpoint> Checkpoints { get; }

    /// <summary>The newest checkpoint, or null when none was signed yet.</summary>
    public Checkpoint? LatestCheckpoint => Checkpoints.Count > 0 ? Checkpoints[^1] : null;

    /// <summary>The directory's own public key (<c>signing-key.pub.pem</c>), or null if absent.</summary>
    public LedgerPublicKey? PublicKey { get; }

    /// <summary>Opens the ledger in <paramref name="directory"/> for reading.</summary>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    /// <exception cref="InvalidDataException">The checkpoint file or key is malformed.</exception>
    public static LedgerReader Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{directory}: no such ledger directory");
        }

        var checkpoints = CheckpointFile.Read(directory, out _);
        var keyPath = Path.Combine(directory, LedgerFiles.PublicKey);
        var key = File.Exists(keyPath) ? LedgerPublicKey.Load(keyPath) : null;
        return new LedgerReader(directory, checkpoints, key);
    }

    /// <summary>
    /// A reader of entries and proofs only (no checkpoints, no key): what the witnessing of each checkpoint needs, without
    /// reading the whole checkpoint file, which grows by 152 bytes every checkpoint of the ledger's life.
    /// </summary>
    internal static LedgerReader ForProofs(string directory) => new(directory, [], null);

    /// <summary>Counts the well-formed entries (stops at the first damaged one).</summary>
    public long CountEntries()
    {
        var scan = new LedgerScan(Directory);
        scan.Run(static (in RecordView _) => true);
        return scan.Count;
    }

    /// <summary>Reads entry <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The log has no such entry.</exception>
    /// <exception cref="InvalidDataException">The log is damaged before that entry.</exception>
    public LedgerEntry ReadEntry(long index)
    {
        var entries = ReadEntries(index, 1);
        return entries.Count == 1
            ? entries[0]
            : throw new ArgumentOutOfRangeException(nameof(index), $"the ledger has no entry {index}");
    }

    /// <summary>Reads up to <paramref name="count"/> entries starting at <paramref name="first"/>.</summary>
    /// <exception cref="InvalidDataException">The log is damaged within that range.</exception>
    public IReadOnlyList<LedgerEntry> ReadEntries(long first, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var result = new List<LedgerEntry>();
        if (count == 0)
        {
            return result;
        }

        var scan = new LedgerScan(Directory);
        var fromSegment = Math.Max(0, scan.Segments.FindLastIndex(s => s.FirstIndex <= first));
        var problem = scan.Run((in RecordView record) =>
        {
            if (record.Index >= first)
            {
                result.Add(new LedgerEntry(record.Index, record.Kind, RecordFormat.FromMicros(record.TimestampMicros),
                    record.Payload.ToArray()));
            }

            return result.Count < count;
        }, fromSegment);
        ThrowIfBefore(problem, first + count);
        return result;
    }

    /// <summary>RFC 6962 §2.1.1: the audit path of entry <paramref name="index"/> in the tree of <paramref name="treeSize"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException">index is not below treeSize.</exception>
    /// <exception cref="InvalidDataException">The log has fewer well-formed entries than treeSize.</exception>
    public InclusionProof ProveInclusion(long index, long treeSize)
    {
        if (index < 0 || index >= treeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"entry {index} is not in a tree of {treeSize} entries");
        }

        return new InclusionProof(index, treeSize, Collect(ProofRanges.Inclusion(index, treeSize), treeSize));
    }

    /// <summary>RFC 6962 §2.1.2: proof that the tree of <paramref name="secondSize"/> entries extends that of <paramref name="firstSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">firstSize is negative or above secondSize.</exception>
    /// <exception cref="InvalidDataException">The log has fewer well-formed entries than secondSize.</exception>
    public ConsistencyProof ProveConsistency(long firstSize, long secondSize)
    {
        if (firstSize < 0 || firstSize > secondSize)
        {
            throw new ArgumentOutOfRangeException(nameof(firstSize), $"no consistency proof from {firstSize} to {secondSize} entries");
        }

        return new ConsistencyProof(firstSize, secondSize, Collect(ProofRanges.Consistency(firstSize, secondSize), secondSize));
    }

    /// <summary>
    /// <see cref="ProveConsistency(long, long)"/> from a tree whose right edge is known (as saved at a checkpoint): the
    /// proof's subtrees left of <c>from.TreeSize</c> are that edge (RFC 6962 §2.1.2: SUBPROOF only takes MTH(D[0:k])
    /// for k &lt; m, the maximal perfect subtrees of the first tree), so only entries after it are read.
    /// </summary>
    internal ConsistencyProof ProveConsistency(TreeState from, long secondSize)
    {
        var first = from.TreeSize;
        var ranges = ProofRanges.Consistency(first, secondSize);
        var edge = new Dictionary<(long, long), byte[]>();
        var start = 0L;
        var i = 0;
        for (var bit = 62; bit >= 0; bit--)
        {
            if ((first & (1L << bit)) != 0)
            {
                edge[(start, start + (1L << bit))] = from.Stack.AsSpan(i * Merkle.MerkleHash.Size, Merkle.MerkleHash.Size).ToArray();
                start += 1L << bit;
                i++;
            }
        }

        var later = ranges.Where(r => r.Start >= first).ToList();
        if (ranges.Any(r => r.Start < first && !edge.ContainsKey(r)))
        {
            return ProveConsistency(first, secondSize);
        }

        var collector = new SubtreeCollector(later);
        if (!collector.IsComplete)
        {
            var scan = new LedgerScan(Directory) { StopAt = collector.End };
            var segment = scan.Segments.FindIndex(x => x.FirstIndex == from.SegmentFirstIndex);
            if (segment < 0)
            {
                return ProveConsistency(first, secondSize);
            }

            var end = collector.End;
            var problem = scan.Run((in RecordView record) =>
            {
                collector.Add(record.Index, record.LeafHash);
                return record.Index + 1 < end;
            }, segment, first, from.Offset);
            ThrowIfBefore(problem, end);
            if (!collector.IsComplete)
            {
                throw new InvalidDataException($"{Directory}: the ledger has fewer than {secondSize} entries");
            }
        }

        var laterHashes = collector.Hashes();
        var path = new List<byte[]>(ranges.Count);
        var j = 0;
        foreach (var range in ranges)
        {
            path.Add(range.Start < first ? edge[range] : laterHashes[j++]);
        }

        return new ConsistencyProof(first, secondSize, path);
    }

    /// <summary>
    /// <see cref="ProveConsistency(long, long)"/> between two checkpoints whose right edges are known, with the large
    /// subtrees in between taken from <paramref name="cache"/>: only the entries between <c>from.TreeSize</c> and the
    /// next multiple of 2^<see cref="SubtreeCache.MinLevel"/> are read. Falls back to reading the log when the cache
    /// lacks a subtree.
    /// </summary>
    internal ConsistencyProof ProveConsistency(TreeState from, TreeState to, SubtreeCache cache)
    {
        var (m, n) = (from.TreeSize, to.TreeSize);
        var ranges = ProofRanges.Consistency(m, n);
        var edgeOfM = Edge(from);
        var edgeOfN = Edge(to);
        var nearEnd = Math.Min(n, ((m >> SubtreeCache.MinLevel) + 1) << SubtreeCache.MinLevel);
        var near = new List<byte[]>();
        if (nearEnd > m && ranges.Count > 0)
        {
            var scan = new LedgerScan(Directory) { StopAt = nearEnd };
            var segment = scan.Segments.FindIndex(x => x.FirstIndex == from.SegmentFirstIndex);
            if (segment < 0)
            {
                return ProveConsistency(from, n);
            }

            var problem = scan.Run((in RecordView record) =>
            {
                near.Add(record.LeafHash.ToArray());
                return record.Index + 1 < nearEnd;
            }, segment, m, from.Offset);
            ThrowIfBefore(problem, nearEnd);
        }

        var path = new List<byte[]>(ranges.Count);
        foreach (var (start, end) in ranges)
        {
            var hash = start < m ? edgeOfM.GetValueOrDefault((start, end)) : Subtree(start, end);
            if (hash is null)
            {
                return ProveConsistency(from, n);
            }

            path.Add(hash);
        }

        return new ConsistencyProof(m, n, path);

        // RFC 6962 §2.1: MTH(D[s:e]) = node(MTH(D[s:s+k]), MTH(D[s+k:e])), k the largest power of two below e - s.
        byte[]? Subtree(long s, long e)
        {
            if (edgeOfN.TryGetValue((s, e), out var known))
            {
                return known;
            }

            if (e == n && FoldEdge(edgeOfN, s, n) is { } folded)
            {
                return folded;
            }

            var width = e - s;
            if (long.IsPow2(width) && s % width == 0 && width >= 1L << SubtreeCache.MinLevel
                && cache.TryGet(s, (int)long.Log2(width), out var cached))
            {
                return cached;
            }

            if (e <= nearEnd && s >= m && e - m <= near.Count)
            {
                return MerkleHash.Root(near, (int)(s - m), (int)(e - m));
            }

            if (width == 1)
            {
                return null;
            }

            var k = MerkleHash.LargestPowerOfTwoBelow(width);
            var left = Subtree(s, s + k);
            var right = left is null ? null : Subtree(s + k, e);
            return right is null ? null : MerkleHash.Node(left!, right);
        }
    }

    /// <summary>The perfect subtrees of a tree's right edge by leaf range, from its saved stack (largest first).</summary>
    private static Dictionary<(long, long), byte[]> Edge(TreeState state)
    {
        var edge = new Dictionary<(long, long), byte[]>();
        var start = 0L;
        var i = 0;
        for (var bit = 62; bit >= 0; bit--)
        {
            if ((state.TreeSize & (1L << bit)) != 0)
            {
                edge[(start, start + (1L << bit))] = state.Stack.AsSpan(i * MerkleHash.Size, MerkleHash.Size).ToArray();
                start += 1L << bit;
                i++;
            }
        }

        return edge;
    }

    /// <summary>MTH(D[s:n]) folded from the right-edge subtrees when <paramref name="s"/> is where one of them starts.</summary>
    private static byte[]? FoldEdge(Dictionary<(long, long), byte[]> edge, long s, long n)
    {
        var parts = edge.Where(p => p.Key.Item1 >= s).OrderBy(p => p.Key.Item1).ToList();
        if (parts.Count == 0 || parts[0].Key.Item1 != s || parts[^1].Key.Item2 != n)
        {
            return null;
        }

        var acc = parts[^1].Value;
        for (var i = parts.Count - 2; i >= 0; i--)
        {
            acc = MerkleHash.Node(parts[i].Value, acc);
        }

        return acc;
    }

    /// <summary>The MTH of the first <paramref name="treeSize"/> entries, recomputed from disk.</summary>
    public byte[] ComputeRoot(long treeSize)
    {
        var tree = new Merkle.CompactRange();
        if (treeSize == 0)
        {
            return tree.Root();
        }

        var problem = new LedgerScan(Directory).Run((in RecordView record) =>
        {
            tree.Append(record.LeafHash);
            return tree.Size < treeSize;
        });
        ThrowIfBefore(problem, treeSize);
        if (tree.Size < treeSize)
        {
            throw new InvalidDataException($"{Directory}: the ledger has only {tree.Size} entries, not {treeSize}");
        }

        return tree.Root();
    }

    /// <inheritdoc />
    public void Dispose() => PublicKey?.Dispose();

    private IReadOnlyList<byte[]> Collect(List<(long Start, long End)> ranges, long treeSize)
    {
        var collector = new SubtreeCollector(ranges);
        if (collector.IsComplete)
        {
            return collector.Hashes();
        }

        var end = collector.End;
        var scan = new LedgerScan(Directory);
        var problem = scan.Run((in RecordView record) =>
        {
            collector.Add(record.Index, record.LeafHash);
            return record.Index + 1 < end;
        });
        ThrowIfBefore(problem, end);
        if (!collector.IsComplete)
        {
            throw new InvalidDataException($"{Directory}: the ledger has only {scan.Count} entries, not {treeSize}");
        }

        return collector.Hashes();
    }

    private static void ThrowIfBefore(ScanProblem? problem, long needed)
    {
        if (problem is not null && problem.Index < needed)
        {
            throw new InvalidDataException($"{problem.SegmentPath}: offset {problem.Offset}: {problem.Reason}");
        }
    }
}
