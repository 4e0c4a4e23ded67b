namespace TwinGuard.Intel.Indicators;

/// <summary>Something wrong in a feed: where it is and why it was rejected.</summary>
/// <param name="FeedId">The feed.</param>
/// <param name="File">The file within the feed (or the URL).</param>
/// <param name="ObjectId">The event, attribute, object or line concerned; null for the whole file.</param>
/// <param name="Field">The field concerned; null when the whole object is at fault.</param>
/// <param name="Reason">Why it was rejected.</param>
public sealed record FeedIssue(string FeedId, string File, string? ObjectId, string? Field, string Reason)
{
    /// <inheritdoc/>
    public override string ToString()
    {
        var where = File;
        if (ObjectId is not null)
        {
            where += $" {ObjectId}";
        }

        if (Field is not null)
        {
            where += $" field '{Field}'";
        }

        return $"{FeedId}: {where}: {Reason}";
    }
}
