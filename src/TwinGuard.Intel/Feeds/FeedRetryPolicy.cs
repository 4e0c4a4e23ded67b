namespace TwinGuard.Intel.Feeds;

/// <summary>How often and how patiently a feed fetch is retried.</summary>
public sealed record FeedRetryPolicy
{
    /// <summary>Attempts per refresh, the first included.</summary>
    /// <value>4.</value>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Delay before the second attempt; it doubles for each further one.</summary>
    /// <value>2 seconds.</value>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest delay between attempts, also the cap on a server's <c>Retry-After</c>.</summary>
    /// <value>5 minutes.</value>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The delay after failed attempt number <paramref name="attempt"/> (1-based).</summary>
    /// <param name="attempt">The attempt that just failed.</param>
    /// <param name="retryAfter">The server's <c>Retry-After</c> (RFC 9110 §10.2.3), honoured up to <see cref="MaxDelay"/>.</param>
    /// <returns>How long to wait.</returns>
    public TimeSpan DelayAfter(int attempt, TimeSpan? retryAfter = null)
    {
        var exponential = BaseDelay.Ticks * Math.Pow(2, Math.Max(0, attempt - 1));
        var delay = TimeSpan.FromTicks((long)Math.Min(exponential, MaxDelay.Ticks));
        if (retryAfter is { } after && after > delay)
        {
            delay = after < MaxDelay ? after : MaxDelay;
        }

        return delay;
    }
}
