using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Index;

/// <summary>
/// The set of indicators of compromise that TwinGuard matches against: addresses exactly and by CIDR network
/// (IPv4 and IPv6), domains by suffix, host names, normalised URLs and file hashes, with expiry and decay.
/// </summary>
/// <remarks>
/// Immutable once built except for sightings (<see cref="RecordSighting"/>), and safe for concurrent lookups.
/// A lookup that finds nothing allocates nothing. Each indicator's weight is its confidence halved every
/// half-life of its kind (<see cref="IocIndexOptions.HalfLifeOf"/>: addresses fastest, hashes not at all by default)
/// since it was last seen (by its feed or by us); below
/// <see cref="IocIndexOptions.MinimumWeight"/>, or outside its validity, it no longer matches.
/// </remarks>
public sealed partial class IocIndex
{
    private readonly IocIndexOptions _options;
    private readonly List<IndexedIndicator[]> _groups = [];
    private readonly Dictionary<uint, int> _ipv4 = [];
    private readonly Dictionary<UInt128, int> _ipv6 = [];
    private readonly List<(UInt128 Start, int PrefixLength, int Value)> _ipv4Prefixes = [];
    private readonly List<(UInt128 Start, int PrefixLength, int Value)> _ipv6Prefixes = [];
    private IpRangeTable _ipv4Networks = IpRangeTable.Empty;
    private IpRangeTable _ipv6Networks = IpRangeTable.Empty;
    // Keys are canonical (lower case); lookups lower-case the probe once and hash ordinally, which is much cheaper
    // than case-insensitive hashing at every level of a domain walk.
    private readonly Dictionary<string, int> _domains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _hostnames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _urls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _hashes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _domainSpans;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _hostnameSpans;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _hashSpans;
    private readonly HashSet<string> _urlHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _urlHostSpans;
    private readonly Dictionary<IndicatorAtom, long> _sightings;
    private readonly Dictionary<IndicatorAtom, int> _atoms = [];
    private readonly List<IndexedIndicator> _targeting = [];
    private readonly Lock _sightingsLock = new();

    private IocIndex(IocIndexOptions options, Dictionary<IndicatorAtom, long> sightings)
    {
        _options = options;
        _sightings = sightings;
        _domainSpans = _domains.GetAlternateLookup<ReadOnlySpan<char>>();
        _hostnameSpans = _hostnames.GetAlternateLookup<ReadOnlySpan<char>>();
        _hashSpans = _hashes.GetAlternateLookup<ReadOnlySpan<char>>();
        _urlHostSpans = _urlHosts.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>An index with nothing in it.</summary>
    public static IocIndex Empty { get; } = Build([]);

    /// <summary>Number of indicators indexed.</summary>
    public int Count { get; private set; }

    /// <summary>The options the index was built with.</summary>
    public IocIndexOptions Options => _options;

    /// <summary>Every indicator in the index.</summary>
    public IEnumerable<Indicator> Indicators => _groups.SelectMany(g => g).Select(e => e.Indicator);

    /// <summary>Builds an index.</summary>
    /// <param name="indicators">The indicators, from any number of feeds; values must be canonical
    /// (as <see cref="IndicatorValue.TryNormalize"/> makes them). Duplicates are kept side by side.</param>
    /// <param name="options">Decay settings and clock; defaults when null.</param>
    /// <param name="previous">The index this one replaces: our own sightings recorded on it carry over.</param>
    /// <returns>The index.</returns>
    public static IocIndex Build(IEnumerable<Indicator> indicators, IocIndexOptions? options = null, IocIndex? previous = null)
    {
        ArgumentNullException.ThrowIfNull(indicators);
        Dictionary<IndicatorAtom, long> sightings;
        if (previous is null)
        {
            sightings = [];
        }
        else
        {
            lock (previous._sightingsLock)
            {
                sightings = new Dictionary<IndicatorAtom, long>(previous._sightings);
            }
        }

        var index = new IocIndex(options ?? new IocIndexOptions(), sightings);
        var byKey = new Dictionary<IndicatorAtom, List<IndexedIndicator>>();
        foreach (var indicator in indicators)
        {
            var reference = indicator.ReferenceTime?.UtcTicks ?? long.MinValue;
            if (sightings.TryGetValue(indicator.Atom, out var seen))
            {
                reference = Math.Max(reference, seen);
            }

            if (!byKey.TryGetValue(indicator.Atom, out var list))
            {
                byKey[indicator.Atom] = list = [];
            }

            list.Add(new IndexedIndicator(indicator, reference, index._options.HalfLifeOf(indicator.Type)));
        }

        foreach (var (atom, list) in byKey)
        {
            index.Add(atom, [.. list]);
        }

        index._ipv4Networks = IpRangeTable.Build(index._ipv4Prefixes);
        index._ipv6Networks = IpRangeTable.Build(index._ipv6Prefixes);
        index._ipv4Prefixes.Clear();
        index._ipv6Prefixes.Clear();

        return index;
    }

    /// <summary>
    /// Notes that we saw the indicator's value ourselves at <paramref name="when"/>: its weight stops decaying from
    /// older sightings and restarts from this one.
    /// </summary>
    public void RecordSighting(IndicatorAtom atom, DateTimeOffset when)
    {
        ArgumentNullException.ThrowIfNull(atom);
        var ticks = when.UtcTicks;
        lock (_sightingsLock)
        {
            _sightings[atom] = _sightings.TryGetValue(atom, out var seen) ? Math.Max(seen, ticks) : ticks;
        }

        if (_atoms.TryGetValue(atom, out var id))
        {
            foreach (var entry in _groups[id])
            {
                entry.Refresh(ticks);
            }
        }
    }

    /// <summary>
    /// For every asset the indicators name as targeted (<c>kind:plc</c>, <c>tag:line-3</c>, <c>asset:press-1</c>),
    /// the heaviest weight of an indicator that names it, at <paramref name="now"/>.
    /// </summary>
    public IReadOnlyDictionary<string, double> TargetWeights(DateTimeOffset now)
    {
        var weights = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in _targeting)
        {
            var weight = entry.WeightAt(now.UtcTicks, _options.MinimumWeight);
            if (weight < 0)
            {
                continue;
            }

            foreach (var target in entry.Indicator.Targets)
            {
                weights[target] = Math.Max(weights.GetValueOrDefault(target), weight);
            }
        }

        return weights;
    }

    private void Add(IndicatorAtom atom, IndexedIndicator[] group)
    {
        var id = _groups.Count;
        _groups.Add(group);
        _atoms[atom] = id;
        _targeting.AddRange(group.Where(e => e.Indicator.Targets.Count > 0));
        Count += group.Length;
        switch (atom.Type)
        {
            case IndicatorType.IPAddress:
                if (!IndicatorValue.TryParseNetwork(atom.Value, out var network, out var prefix, out var error))
                {
                    throw new ArgumentException($"indicator value '{atom.Value}' is not canonical: {error}", nameof(atom));
                }

                var (key, bits) = Key(network);
                if (prefix == bits)
                {
                    if (bits == 32)
                    {
                        _ipv4[(uint)(key >> 96)] = id;
                    }
                    else
                    {
                        _ipv6[key] = id;
                    }
                }
                else
                {
                    // In the 128-bit key an IPv4 /p network is a /p prefix too: IPv4 sits in the top bits.
                    (bits == 32 ? _ipv4Prefixes : _ipv6Prefixes).Add((key, prefix, id));
                }

                break;
            case IndicatorType.Domain:
                _domains[atom.Value] = id;
                break;
            case IndicatorType.Hostname:
                _hostnames[atom.Value] = id;
                break;
            case IndicatorType.Url:
                _urls[atom.Value] = id;
                _urlHosts.Add(new Uri(atom.Value).IdnHost);
                break;
            default:
                _hashes[atom.Value] = id;
                break;
        }
    }

    /// <summary>The address as a 128-bit key, IPv4 in the top 32 bits; and its bit length (32 or 128).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (UInt128 Key, int Bits) Key(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        if (written == 4)
        {
            return ((UInt128)BinaryPrimitives.ReadUInt32BigEndian(bytes) << 96, 32);
        }

        // RFC 4291 §2.5.5.2: ::ffff:a.b.c.d is the IPv4 address a.b.c.d.
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6)
        {
            return ((UInt128)BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]) << 96, 32);
        }

        return (BinaryPrimitives.ReadUInt128BigEndian(bytes), 128);
    }
}
