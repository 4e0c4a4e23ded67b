namespace TwinGuard.Ledger.Merkle;

/// <summary>
/// Roots of the perfect subtrees of 2^<see cref="MinLevel"/> or more leaves, kept as the writer's tree forms them, so
/// that a consistency proof between two checkpoints needs no re-reading and re-hashing of the entries in between
/// (only the few below <see cref="MinLevel"/> next to the older checkpoint). Bounded; when full it stops keeping, and
/// proofs fall back to reading the log.
/// </summary>
internal sealed class SubtreeCache
{
    public const int MinLevel = 10;
    private const int MaxNodes = 1 << 16;
    private readonly Dictionary<(long Start, int Level), byte[]> _nodes = [];
    private readonly Lock _gate = new();

    /// <summary>Called by the hashing thread for every subtree its tree forms at <see cref="MinLevel"/> or above.</summary>
    public void Add(long start, int level, ReadOnlySpan<byte> root)
    {
        lock (_gate)
        {
            if (_nodes.Count < MaxNodes)
            {
                _nodes[(start, level)] = root.ToArray();
            }
        }
    }

    public bool TryGet(long start, int level, out byte[] root)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue((start, level), out root!);
        }
    }

    /// <summary>Forgets subtrees that start before <paramref name="start"/> (no proof will start before it again).</summary>
    public void ForgetBefore(long start)
    {
        lock (_gate)
        {
            foreach (var key in _nodes.Keys.Where(k => k.Start < start).ToList())
            {
                _nodes.Remove(key);
            }
        }
    }
}
