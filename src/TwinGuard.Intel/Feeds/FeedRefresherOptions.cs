using TwinGuard.Intel.Index;

namespace TwinGuard.Intel.Feeds;

/// <summary>How often feeds are refreshed and how the index built from them ages indicators.</summary>
public sealed record FeedRefresherOptions
{
    /// <summary>The clock for schedules, back-off and decay.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Time between refresh rounds.</summary>
    /// <value>1 hour.</value>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>What fetching over HTTP may do (https only, no internal targets, same-host redirects, a byte budget).</summary>
    public FeedFetchLimits Limits { get; init; } = new();

    /// <summary>Retries within one refresh.</summary>
    public FeedRetryPolicy Retry { get; init; } = new();

    /// <summary>Decay settings of the index (its clock is replaced by <see cref="TimeProvider"/>).</summary>
    public IocIndexOptions Index { get; init; } = new();
}
