using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Feeds;

/// <summary>How a feed stands: when it last refreshed, whether the copy in use is stale, and what was wrong with it.</summary>
/// <param name="Id">The feed's id.</param>
/// <param name="Location">Where it comes from.</param>
public sealed record FeedStatus(string Id, string Location)
{
    /// <summary>When the copy in use was fetched; null if there has never been a good copy.</summary>
    public DateTimeOffset? LastSuccess { get; init; }

    /// <summary>When a refresh was last attempted.</summary>
    public DateTimeOffset? LastAttempt { get; init; }

    /// <summary>Why the last refresh failed; null if it succeeded.</summary>
    public string? LastError { get; init; }

    /// <summary>Whether the last refresh failed and an older copy is in use.</summary>
    public bool Stale => LastError is not null && LastSuccess is not null;

    /// <summary>Whether the last refresh found nothing changed (HTTP 304).</summary>
    public bool NotModified { get; init; }

    /// <summary>Indicators in the copy in use.</summary>
    public int Indicators { get; init; }

    /// <summary>Entries ignored as not matchable (other MISP types, <c>to_ids</c> false, revoked).</summary>
    public int Ignored { get; init; }

    /// <summary>What was malformed in the copy in use.</summary>
    public IReadOnlyList<FeedIssue> Issues { get; init; } = [];

    /// <summary>One line for people: what is in use and, if the last refresh failed, that it failed and why.</summary>
    public string Describe() => (LastSuccess, LastError) switch
    {
        (null, { } error) => $"{Id}: no copy; refresh failed: {error}",
        ({ } success, { } error) => $"{Id}: refresh failed: {error}; keeping the copy from {success:u} ({Indicators} indicators)",
        ({ } success, null) => $"{Id}: {Indicators} indicators, {Issues.Count} issues, fetched {success:u}{(NotModified ? " (not modified)" : string.Empty)}",
        _ => $"{Id}: never refreshed",
    };
}
