namespace TwinGuard.Intel.Index;

/// <summary>
/// A binary prefix trie over 128-bit keys (IPv4 addresses sit in the top 32 bits) for longest- and all-prefix
/// matching of CIDR networks.
/// </summary>
/// <remarks>
/// Nodes live in flat arrays so that a lookup touches no objects and allocates nothing; a lookup walks at most
/// <see cref="MaxPrefixLength"/> bits and stops at the first missing child.
/// </remarks>
internal sealed class IpPrefixTrie
{
    private int[] _zero = [-1];
    private int[] _one = [-1];
    private int[] _value = [-1];
    private int _nodes = 1;

    /// <summary>The longest prefix stored; lookups never walk deeper.</summary>
    public int MaxPrefixLength { get; private set; }

    /// <summary>Number of prefixes stored.</summary>
    public int Count { get; private set; }

    /// <summary>Stores <paramref name="value"/> under the first <paramref name="prefixLength"/> bits of <paramref name="key"/>.</summary>
    /// <returns>The value already stored under that prefix, or -1 (the existing value is kept).</returns>
    public int Add(UInt128 key, int prefixLength, int value)
    {
        var node = 0;
        for (var depth = 0; depth < prefixLength; depth++)
        {
            var one = Bit(key, depth);
            var child = one ? _one[node] : _zero[node];
            if (child < 0)
            {
                // NewNode may grow the arrays: read them again after it.
                child = NewNode();
                (one ? _one : _zero)[node] = child;
            }

            node = child;
        }

        if (_value[node] >= 0)
        {
            return _value[node];
        }

        _value[node] = value;
        Count++;
        MaxPrefixLength = Math.Max(MaxPrefixLength, prefixLength);
        return -1;
    }

    /// <summary>The value of the longest stored prefix that covers <paramref name="key"/>.</summary>
    /// <returns>The value, or -1 when no prefix covers the key.</returns>
    public int Longest(UInt128 key, int bits)
    {
        var node = 0;
        var found = _value[0];
        var limit = Math.Min(bits, MaxPrefixLength);
        for (var depth = 0; depth < limit; depth++)
        {
            node = Bit(key, depth) ? _one[node] : _zero[node];
            if (node < 0)
            {
                break;
            }

            if (_value[node] >= 0)
            {
                found = _value[node];
            }
        }

        return found;
    }

    /// <summary>Every value whose prefix covers <paramref name="key"/>, shortest prefix first.</summary>
    /// <param name="key">The key.</param>
    /// <param name="bits">Bits in the key that count (32 or 128).</param>
    /// <param name="into">Receives the values; 129 entries always suffice.</param>
    /// <returns>How many values were written.</returns>
    public int All(UInt128 key, int bits, Span<int> into)
    {
        var high = (ulong)(key >> 64);
        var low = (ulong)key;
        var node = 0;
        var count = 0;
        if (_value[0] >= 0)
        {
            into[count++] = _value[0];
        }

        var limit = Math.Min(bits, MaxPrefixLength);
        for (var depth = 0; depth < limit; depth++)
        {
            node = Bit(high, low, depth) ? _one[node] : _zero[node];
            if (node < 0)
            {
                break;
            }

            if (_value[node] >= 0)
            {
                into[count++] = _value[node];
            }
        }

        return count;
    }

    private int NewNode()
    {
        if (_nodes == _value.Length)
        {
            var size = _nodes * 2;
            Array.Resize(ref _zero, size);
            Array.Resize(ref _one, size);
            Array.Resize(ref _value, size);
        }

        _zero[_nodes] = -1;
        _one[_nodes] = -1;
        _value[_nodes] = -1;
        return _nodes++;
    }

    // UInt128 shifts are done in software; two 64-bit halves keep the walk to plain register shifts.
    private static bool Bit(UInt128 key, int depth) => Bit((ulong)(key >> 64), (ulong)key, depth);

    private static bool Bit(ulong high, ulong low, int depth) =>
        depth < 64 ? ((high >> (63 - depth)) & 1) != 0 : ((low >> (127 - depth)) & 1) != 0;
}
