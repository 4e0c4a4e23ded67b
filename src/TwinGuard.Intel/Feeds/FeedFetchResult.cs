namespace TwinGuard.Intel.Feeds;

/// <summary>The outcome of a successful fetch.</summary>
/// <param name="Snapshot">The feed's files (the previous ones, where the server said they had not changed).</param>
/// <param name="NotModified">True when nothing changed since the previous snapshot (HTTP 304 on every file).</param>
/// <param name="Requests">HTTP requests made, retries included.</param>
public sealed record FeedFetchResult(FeedSnapshot Snapshot, bool NotModified, int Requests);
