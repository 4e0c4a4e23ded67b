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

        _indicators.Add(complete(new Indicator(type, value, FeedId, objectId)));
        return true;
    }

    public void Add(Indicator indicator) => _indicators.Add(indicator);

    public FeedContent ToContent() => new(_indicators.ToArray(), _issues.ToArray(), Ignored);
}
