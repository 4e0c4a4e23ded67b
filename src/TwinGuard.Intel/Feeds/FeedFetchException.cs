namespace TwinGuard.Intel.Feeds;

/// <summary>A feed could not be fetched (after retries); the message says from where and why.</summary>
public sealed class FeedFetchException : IOException
{
    /// <summary>Creates the exception.</summary>
    public FeedFetchException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public FeedFetchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public FeedFetchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
