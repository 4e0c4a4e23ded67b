namespace TwinGuard.Intel.Feeds;

/// <summary>One stored file's name and HTTP validators, in <c>feed.json</c>.</summary>
internal sealed record FeedRecordFile(string Name, string? ETag, DateTimeOffset? LastModified);
