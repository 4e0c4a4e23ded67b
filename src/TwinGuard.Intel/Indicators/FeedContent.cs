namespace TwinGuard.Intel.Indicators;

/// <summary>What parsing a feed produced: its indicators, and what was wrong with it.</summary>
/// <param name="Indicators">Every indicator that parsed.</param>
/// <param name="Issues">Every malformed file, object or field, with where and why.</param>
/// <param name="Ignored">Entries that were well-formed but not indicators we match (other MISP types,
/// <c>to_ids</c> false, revoked STIX objects).</param>
public sealed record FeedContent(IReadOnlyList<Indicator> Indicators, IReadOnlyList<FeedIssue> Issues, int Ignored)
{
    /// <summary>Nothing at all.</summary>
    public static FeedContent Empty { get; } = new([], [], 0);
}
