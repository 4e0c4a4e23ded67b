namespace TwinGuard.Intel.Feeds;

/// <summary>One file of a feed as fetched: its name within the feed, its bytes, and the HTTP validators it came with.</summary>
/// <param name="Name">Relative name, e.g. <c>manifest.json</c> or <c>5f1e...json</c>.</param>
/// <param name="Content">The raw bytes.</param>
public sealed record FeedFile(string Name, byte[] Content)
{
    /// <summary>The HTTP <c>ETag</c> the file was served with, for <c>If-None-Match</c> (RFC 9110 §13.1.2).</summary>
    public string? ETag { get; init; }

    /// <summary>The HTTP <c>Last-Modified</c> time, for <c>If-Modified-Since</c> (RFC 9110 §13.1.3).</summary>
    public DateTimeOffset? LastModified { get; init; }
}
