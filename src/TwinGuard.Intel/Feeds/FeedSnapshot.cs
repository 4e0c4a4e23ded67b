namespace TwinGuard.Intel.Feeds;

/// <summary>A feed's files as of one successful fetch.</summary>
/// <param name="Files">The files; MISP feeds have <c>manifest.json</c> and one file per event.</param>
/// <param name="FetchedAt">When they were fetched.</param>
public sealed record FeedSnapshot(IReadOnlyList<FeedFile> Files, DateTimeOffset FetchedAt)
{
    /// <summary>The file of that name, if present.</summary>
    public FeedFile? Find(string name) => Files.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
}
