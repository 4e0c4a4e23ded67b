using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Index;

/// <summary>Lookups.</summary>
public sealed partial class IocIndex
{
    /// <summary>The heaviest indicator naming this address, exactly or by a network containing it, now.</summary>
    /// <param name="address">E.g. the remote address of an MQTT connection.</param>
    /// <returns>The match, or null.</returns>
    public IocMatch? Match(IPAddress address) => Match(address, _options.TimeProvider.GetUtcNow());

    // RFC 1035 §2.3.4: 255 octets on the wire, 253 characters as text.
    private const int MaxHostLength = 253;

    /// <summary>The heaviest indicator naming this address at <paramref name="now"/>.</summary>
    /// <returns>The match, or null.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IocMatch? Match(IPAddress address, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (key, bits) = Key(address);
        var nowTicks = now.UtcTicks;
        var best = -1.0;
        IndexedIndicator? bestEntry = null;
        var kind = MatchKind.Exact;
        if (bits == 32 ? _ipv4.TryGetValue((uint)(key >> 96), out var id) : _ipv6.TryGetValue(key, out id))
        {
            (bestEntry, best) = Best(_groups[id], nowTicks);
        }

        var networks = bits == 32 ? _ipv4Networks : _ipv6Networks;
        if (networks.Count > 0)
        {
            var hits = networks.Covering(key);
            for (var i = hits.Length - 1; i >= 0; i--)
            {
                var (entry, weight) = Best(_groups[hits[i]], nowTicks);
                if (weight > best)
                {
                    (bestEntry, best, kind) = (entry, weight, MatchKind.Network);
                }
            }
        }

        return bestEntry is null ? null : new IocMatch(bestEntry.Indicator, kind, best);
    }

    /// <summary>Every indicator naming this address at <paramref name="now"/>, heaviest first.</summary>
    public IReadOnlyList<IocMatch> MatchAll(IPAddress address, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (key, bits) = Key(address);
        var text = address.ToString();
        var matches = new List<IocMatch>();
        if (bits == 32 ? _ipv4.TryGetValue((uint)(key >> 96), out var id) : _ipv6.TryGetValue(key, out id))
        {
            AddAll(matches, _groups[id], text, MatchKind.Exact, now.UtcTicks);
        }

        var hits = (bits == 32 ? _ipv4Networks : _ipv6Networks).Covering(key);
        for (var i = 0; i < hits.Length; i++)
        {
            AddAll(matches, _groups[hits[i]], text, MatchKind.Network, now.UtcTicks);
        }

        matches.Sort((a, b) => b.Weight.CompareTo(a.Weight));
        return matches;
    }

    /// <summary>The heaviest indicator naming this host: as a host name, or as a domain it lies in.</summary>
    public IocMatch? MatchHost(string host) => MatchHost(host, _options.TimeProvider.GetUtcNow());

    /// <summary>The heaviest indicator naming this host at <paramref name="now"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IocMatch? MatchHost(string host, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(host);
        var trimmed = host.AsSpan().Trim().TrimEnd('.');
        if (trimmed.Length > MaxHostLength)
        {
            return null;
        }

        Span<char> lower = stackalloc char[MaxHostLength];
        scoped ReadOnlySpan<char> name;
        if (Ascii.ToLower(trimmed, lower, out var written) == OperationStatus.Done)
        {
            name = lower[..written];
        }
        else if (IndicatorValue.TryNormalizeHost(host, out var normalized, out _))
        {
            name = normalized; // an internationalised name: compare its punycode form
        }
        else
        {
            return null;
        }

        var nowTicks = now.UtcTicks;
        var best = -1.0;
        IndexedIndicator? bestEntry = null;
        var kind = MatchKind.Exact;
        if (_hostnameSpans.TryGetValue(name, out var id))
        {
            (bestEntry, best) = Best(_groups[id], nowTicks);
        }

        // Walk the name and each parent domain: a.b.example.com, b.example.com, example.com, com.
        var suffix = name;
        while (true)
        {
            if (_domainSpans.TryGetValue(suffix, out id))
            {
                var (entry, weight) = Best(_groups[id], nowTicks);
                if (weight > best)
                {
                    (bestEntry, best, kind) = (entry, weight, suffix.Length == name.Length ? MatchKind.Exact : MatchKind.Subdomain);
                }
            }

            var dot = suffix.IndexOf('.');
            if (dot < 0)
            {
                break;
            }

            suffix = suffix[(dot + 1)..];
        }

        return bestEntry is null ? null : new IocMatch(bestEntry.Indicator, kind, best) { LookedUp = host };
    }

    /// <summary>The heaviest indicator naming this URL (compared after <see cref="IndicatorValue.NormalizeUrl"/>).</summary>
    public IocMatch? MatchUrl(string url) => MatchUrl(url, _options.TimeProvider.GetUtcNow());

    /// <summary>The heaviest indicator naming this URL at <paramref name="now"/>.</summary>
    public IocMatch? MatchUrl(string url, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(url);
        // Most URLs name hosts no URL indicator has: rule those out before the costly normalisation.
        var quickHost = QuickUrlHost(url);
        if (_urls.Count == 0 || (!quickHost.IsEmpty && !_urlHostSpans.Contains(quickHost))
                             || IndicatorValue.NormalizeUrl(url) is not { } normalized
                             || !_urls.TryGetValue(normalized, out var id))
        {
            return null;
        }

        var (entry, weight) = Best(_groups[id], now.UtcTicks);
        return entry is null ? null : new IocMatch(entry.Indicator, MatchKind.Exact, weight) { LookedUp = url };
    }

    /// <summary>The heaviest indicator naming this MD5, SHA-1 or SHA-256 hash (hex, any case).</summary>
    public IocMatch? MatchHash(string hash) => MatchHash(hash, _options.TimeProvider.GetUtcNow());

    /// <summary>The heaviest indicator naming this hash at <paramref name="now"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IocMatch? MatchHash(string hash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var trimmed = hash.AsSpan().Trim();
        Span<char> lower = stackalloc char[64];
        if (trimmed.Length > lower.Length || Ascii.ToLower(trimmed, lower, out var written) != OperationStatus.Done
            || !_hashSpans.TryGetValue(lower[..written], out var id))
        {
            return null;
        }

        var (entry, weight) = Best(_groups[id], now.UtcTicks);
        return entry is null ? null : new IocMatch(entry.Indicator, MatchKind.Exact, weight) { LookedUp = hash };
    }

    /// <summary>
    /// Looks up a value of any kind: an address (or CIDR network: its network address), a hash (32, 40 or 64 hex
    /// digits), a URL (anything with <c>://</c> or a <c>/</c>; its host is tried too), else a host name.
    /// </summary>
    public IocMatch? Match(string value) => Match(value, _options.TimeProvider.GetUtcNow());

    /// <summary>Looks up a value of any kind at <paramref name="now"/> (see <see cref="Match(string)"/>).</summary>
    public IocMatch? Match(string value, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (IndicatorValue.TryParseNetwork(text, out var address, out _, out _))
        {
            return Match(address, now) is { } ip ? ip with { LookedUp = value } : null;
        }

        if (text.Length is 32 or 40 or 64 && text.All(char.IsAsciiHexDigit))
        {
            return MatchHash(text, now);
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            if (MatchUrl(text, now) is { } url)
            {
                return url;
            }

            var normalized = IndicatorValue.NormalizeUrl(text);
            if (normalized is null || !Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
            {
                return null;
            }

            var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.IdnHost;
            var byHost = IPAddress.TryParse(host, out var hostAddress) ? Match(hostAddress, now) : MatchHost(host, now);
            return byHost is null ? null : byHost with { LookedUp = value };
        }

        return MatchHost(text, now);
    }

    /// <summary>
    /// The host of a plain URL (<c>scheme://host[:port]/...</c> or <c>host/...</c>) without normalising it; default
    /// when the URL has user info, escapes, non-ASCII or an IPv6 literal, which only full normalisation gets right.
    /// </summary>
    private static ReadOnlySpan<char> QuickUrlHost(string url)
    {
        var text = url.AsSpan().Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var rest = scheme >= 0 ? text[(scheme + 3)..] : text;
        var end = rest.IndexOfAny("/?#");
        var authority = end >= 0 ? rest[..end] : rest;
        if (authority.IsEmpty || authority.ContainsAny("@%[") || !Ascii.IsValid(authority))
        {
            return default;
        }

        var colon = authority.IndexOf(':');
        return (colon >= 0 ? authority[..colon] : authority).TrimEnd('.');
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (IndexedIndicator? Entry, double Weight) Best(IndexedIndicator[] group, long nowTicks)
    {
        IndexedIndicator? best = null;
        var bestWeight = -1.0;
        foreach (var entry in group)
        {
            var weight = entry.WeightAt(nowTicks, _options.MinimumWeight);
            if (weight > bestWeight)
            {
                (best, bestWeight) = (entry, weight);
            }
        }

        return (best, bestWeight);
    }

    private void AddAll(List<IocMatch> matches, IndexedIndicator[] group, string lookedUp, MatchKind kind, long nowTicks)
    {
        foreach (var entry in group)
        {
            var weight = entry.WeightAt(nowTicks, _options.MinimumWeight);
            if (weight >= 0)
            {
                matches.Add(new IocMatch(entry.Indicator, kind, weight) { LookedUp = lookedUp });
            }
        }
    }
}
