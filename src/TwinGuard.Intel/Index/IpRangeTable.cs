using System.Numerics;
using System.Runtime.CompilerServices;

namespace TwinGuard.Intel.Index;

/// <summary>
/// CIDR networks flattened into sorted, disjoint address intervals, each with the networks that cover it; a lookup
/// is one binary search over a compact array.
/// </summary>
/// <remarks>
/// Keys are 128-bit, IPv4 addresses in the top 32 bits, so a /p network (IPv4 or IPv6) covers the keys whose top p
/// bits equal its own. CIDR networks are laminar (two of them either nest or do not meet), so a sweep over them
/// sorted by start, widest first, with a stack of open networks, yields every interval and its covering networks
/// (RFC 4632 §3.1: a prefix names a contiguous, aligned block of addresses).
/// </remarks>
internal sealed class IpRangeTable
{
    private readonly UInt128[] _starts;
    private readonly uint[]? _starts32;
    private readonly int[] _coverOf;
    private readonly int[][] _covers;

    // _bucket[b] is the first interval whose start has top 16 bits >= b: a lookup searches only its own bucket
    // (plus the interval running into it), typically a handful of entries instead of the whole table.
    private readonly int[] _bucket;

    private IpRangeTable(UInt128[] starts, int[] coverOf, int[][] covers, int count)
    {
        _starts = starts;

        // An IPv4-only table has keys only in the top 32 bits: search 4-byte keys, a quarter of the memory.
        if (starts.All(s => (s & (UInt128.MaxValue >> 32)) == UInt128.Zero))
        {
            _starts32 = starts.Select(s => (uint)(s >> 96)).ToArray();
        }

        _coverOf = coverOf;
        _covers = covers;
        Count = count;
        if (count == 0)
        {
            _bucket = [];
            return;
        }

        _bucket = new int[BucketCount + 1];
        var interval = 0;
        for (var b = 0; b <= BucketCount; b++)
        {
            while (interval < starts.Length && (int)(starts[interval] >> 112) < b)
            {
                interval++;
            }

            _bucket[b] = interval;
        }
    }

    private const int BucketCount = 1 << 16;

    /// <summary>An empty table.</summary>
    public static IpRangeTable Empty { get; } = Build([]);

    /// <summary>Number of networks in the table.</summary>
    public int Count { get; }

    /// <summary>Number of disjoint intervals (for tests and sizing).</summary>
    public int Intervals => _starts.Length;

    /// <summary>Builds the table.</summary>
    /// <param name="networks">Network key (host bits clear), prefix length 0..128 from the top, and a value.</param>
    public static IpRangeTable Build(IEnumerable<(UInt128 Start, int PrefixLength, int Value)> networks)
    {
        var sorted = networks
            .Select(n => (n.Start, End: End(n.Start, n.PrefixLength), n.Value))
            .OrderBy(n => n.Start)
            .ThenByDescending(n => n.End)
            .ToArray();
        var starts = new List<UInt128>();
        var coverOf = new List<int>();
        var covers = new List<int[]>();
        var open = new List<(UInt128 End, int Value)>();
        var position = UInt128.Zero;
        var exhausted = false;

        void Emit(UInt128 start)
        {
            var cover = -1;
            if (open.Count > 0)
            {
                cover = covers.Count;
                covers.Add(open.Select(o => o.Value).ToArray());
            }

            if (starts.Count > 0 && starts[^1] == start)
            {
                coverOf[^1] = cover;
            }
            else
            {
                starts.Add(start);
                coverOf.Add(cover);
            }
        }

        // Closes the innermost open network: its remaining addresses form an interval, then the enclosing one resumes.
        void Close()
        {
            var (end, _) = open[^1];
            if (!exhausted && position <= end)
            {
                Emit(position);
            }

            open.RemoveAt(open.Count - 1);
            if (end == UInt128.MaxValue)
            {
                exhausted = true;
            }
            else if (!exhausted && end + 1 > position)
            {
                position = end + 1;
            }
        }

        Emit(UInt128.Zero);
        foreach (var (start, end, value) in sorted)
        {
            while (open.Count > 0 && open[^1].End < start)
            {
                Close();
            }

            if (position < start)
            {
                Emit(position);
            }

            position = start;
            open.Add((end, value));
            Emit(position);
        }

        while (open.Count > 0)
        {
            Close();
        }

        if (!exhausted)
        {
            Emit(position);
        }

        return new IpRangeTable([.. starts], [.. coverOf], [.. covers], sorted.Length);
    }

    /// <summary>The values of every network covering <paramref name="key"/>, widest first; empty when none does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<int> Covering(UInt128 key)
    {
        if (Count == 0)
        {
            return default;
        }

        var bucket = (int)(key >> 112);
        var low = Math.Max(0, _bucket[bucket] - 1);
        var high = _bucket[bucket + 1] - 1;

        // An IPv4 key has its low 96 bits clear.
        var interval = _starts32 is { } starts32 && (ulong)key == 0 && (uint)(key >> 64) == 0
            ? LastAtOrBelow(starts32, (uint)(key >> 96), low, high)
            : LastAtOrBelow(_starts, key, low, high);
        var cover = _coverOf[interval];
        return cover < 0 ? default : _covers[cover];
    }

    /// <summary>The index of the last start at or below <paramref name="key"/>, known to lie in [low, high].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LastAtOrBelow<T>(T[] starts, T key, int low, int high)
        where T : IComparisonOperators<T, T, bool>
    {
        while (low < high)
        {
            var mid = (int)((uint)(low + high + 1) >> 1);
            if (starts[mid] <= key)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    private static UInt128 End(UInt128 start, int prefixLength) =>
        prefixLength == 0 ? UInt128.MaxValue : start | (UInt128.MaxValue >> prefixLength);
}
