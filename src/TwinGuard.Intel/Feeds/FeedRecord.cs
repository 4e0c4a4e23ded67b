namespace TwinGuard.Intel.Feeds;

/// <summary>What <see cref="FeedStore"/> keeps in <c>feed.json</c>.</summary>
internal sealed record FeedRecord
{
    /// <summary>Most issues kept on disk per feed; a feed that is malformed throughout would otherwise bloat feed.json.</summary>
    public const int MaxStoredIssues = 1000;

    public required string Id { get; init; }

    public required string Location { get; init; }

    /// <summary>The feed's own fetch limits (an explicit opt-in at import), or null.</summary>
    public FeedFetchLimits? Limits { get; init; }

    public DateTimeOffset? FetchedAt { get; init; }

    public DateTimeOffset? LastAttempt { get; init; }

    public string? LastError { get; init; }

    public bool NotModified { get; init; }

    public int Indicators { get; init; }

    public int Ignored { get; init; }

    public IReadOnlyList<Indicators.FeedIssue> Issues { get; init; } = [];

    public IReadOnlyList<FeedRecordFile> Files { get; init; } = [];

    public static FeedRecord From(FeedSource source, FeedStatus status, FeedSnapshot? snapshot) => new()
    {
        Id = source.Id,
        Location = source.Location,
        Limits = source.Limits,
        FetchedAt = snapshot?.FetchedAt ?? status.LastSuccess,
        LastAttempt = status.LastAttempt,
        LastError = status.LastError,
        NotModified = status.NotModified,
        Indicators = status.Indicators,
        Ignored = status.Ignored,
        Issues = status.Issues.Count <= MaxStoredIssues
            ? status.Issues
            : [.. status.Issues.Take(MaxStoredIssues), new Indicators.FeedIssue(source.Id, "(feed)", null, null,
                $"{status.Issues.Count - MaxStoredIssues} more issues not stored")],
        Files = snapshot?.Files.Select(f => new FeedRecordFile(f.Name, f.ETag, f.LastModified)).ToArray() ?? [],
    };

    public FeedStatus ToStatus() => new(Id, Location)
    {
        LastSuccess = FetchedAt,
        LastAttempt = LastAttempt,
        LastError = LastError,
        NotModified = NotModified,
        Indicators = Indicators,
        Ignored = Ignored,
        Issues = Issues,
    };
}
