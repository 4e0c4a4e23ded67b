using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Formats;

/// <summary>Accumulates the indicators and issues of one feed while a reader walks it.</summary>
internal sealed class IndicatorCollector(string feedId)
{
    private readonly List<Indicator> _indicators = [];
    private readonly List<FeedIssue> _issues = [];

    public string FeedId { get; } = feedId;

    public int Ignored { get; set; }

    public int IndicatorCount => _indicators.Count;

    public void Issue(string file, string? objectId, string? field, string reason) =>
        _issues.Add(new FeedIssue(FeedId, file, objectId, field, reason));

    /// <summary>Normalises and adds one value; a value that does not normalise becomes an issue instead.</summary>
    public bool TryAdd(IndicatorType type, string raw, string file, string objectId, string field, Func<Indicator, Indicator> complete)
    {
        if (!IndicatorValue.TryNormalize(type, raw, out var value, out var error))
        {
            Issue(file, objectId, field, error);
            return false;
        }

        if (type == IndicatorType.IPAddress && TooBroad(value) is { } broad)
        {
            Drop(file, objectId, field, value, broad);
            return false;
        }

        _indicators.Add(complete(new Indicator(type, value, FeedId, objectId)));
        return true;
    }

    public void Add(Indicator indicator)
    {
        if (indicator.Type == IndicatorType.IPAddress && TooBroad(indicator.Value) is { } broad)
        {
            Drop("-", indicator.SourceId, null, indicator.Value, broad);
            return;
        }

        _indicators.Add(indicator);
    }

    /// <summary>
    /// Why an address indicator must not be used: a network wider than /24 (IPv4) or /48 (IPv6), loopback or
    /// unspecified. Such an entry (<c>0.0.0.0/0</c>, <c>127.0.0.1</c>) would match TwinGuard's own traffic or everyone's,
    /// and a playbook would then block it; it is dropped, and the drop is an issue of the feed.
    /// </summary>
    internal static string? TooBroad(string value)
    {
        System.Net.IPNetwork network;
        if (System.Net.IPAddress.TryParse(value, out var address))
        {
            network = new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }
        else if (!System.Net.IPNetwork.TryParse(value, out network))
        {
            return null;
        }

        var v4 = network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        var minimum = v4 ? 24 : 48;
        if (network.PrefixLength < minimum)
        {
            return $"a /{network.PrefixLength} is wider than /{minimum}: it would match whole networks";
        }

        var first = network.BaseAddress.IsIPv4MappedToIPv6 ? network.BaseAddress.MapToIPv4() : network.BaseAddress;
        return System.Net.IPAddress.IsLoopback(first) || first.Equals(System.Net.IPAddress.Any) || first.Equals(System.Net.IPAddress.IPv6Any)
            ? "loopback or unspecified: it would match this host"
            : null;
    }

    private void Drop(string file, string? objectId, string? field, string value, string why)
    {
        Ignored++;
        Issue(file, objectId, field, $"dropped '{value}': {why}");
    }

    public FeedContent ToContent() => new(_indicators.ToArray(), _issues.ToArray(), Ignored);
}
