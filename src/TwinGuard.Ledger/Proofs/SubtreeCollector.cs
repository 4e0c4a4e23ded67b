using TwinGuard.Ledger.Merkle;

namespace TwinGuard.Ledger.Proofs;

/// <summary>
/// Computes MTH of several disjoint leaf ranges in one pass over the leaves, so a proof over a log on disk costs
/// one sequential read.
/// </summary>
internal sealed class SubtreeCollector
{
    private readonly List<(long Start, long End)> _ranges;
    private readonly int[] _order;
    private readonly byte[][] _hashes;
    private int _next;
    private CompactRange? _current;

    public SubtreeCollector(List<(long Start, long End)> ranges)
    {
        _ranges = ranges;
        _order = Enumerable.Range(0, ranges.Count).OrderBy(i => ranges[i].Start).ToArray();
        _hashes = new byte[ranges.Count][];
    }

    /// <summary>The last leaf index any range needs, plus one.</summary>
    public long End => _ranges.Count == 0 ? 0 : _ranges.Max(r => r.End);

    public bool IsComplete => _next == _order.Length;

    /// <summary>Offers the leaf hash of entry <paramref name="index"/>; leaves must come in index order.</summary>
    public void Add(long index, ReadOnlySpan<byte> leafHash)
    {
        if (_next == _order.Length)
        {
            return;
        }

        var (start, end) = _ranges[_order[_next]];
        if (index < start)
        {
            return;
        }

        _current ??= new CompactRange();
        _current.Append(leafHash);
        if (index == end - 1)
        {
            _hashes[_order[_next]] = _current.Root();
            _current = null;
            _next++;
        }
    }

    /// <summary>The range hashes in proof order.</summary>
    public IReadOnlyList<byte[]> Hashes()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException("not every range has been seen");
        }

        return _hashes;
    }
}
