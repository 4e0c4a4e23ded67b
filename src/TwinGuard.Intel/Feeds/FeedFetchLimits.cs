namespace TwinGuard.Intel.Feeds;

/// <summary>What fetching a feed over HTTP may do: a feed URL is data from outside, and must not make TwinGuard reach
/// into its own network or swallow unbounded data.</summary>
/// <remarks>
/// A feed that answered 302 to <c>http://127.0.0.1/latest/meta-data/iam</c> (the cloud metadata service) had TwinGuard
/// fetch it; a MISP manifest could list any number of 256 MiB files.
/// </remarks>
public sealed record FeedFetchLimits
{
    /// <summary>Plain <c>http://</c> feeds (and redirects to them); off: https only.</summary>
    public bool AllowHttp { get; init; }

    /// <summary>Feeds on loopback, private (RFC 1918, RFC 4193), link-local or unspecified addresses; off by default.</summary>
    public bool AllowPrivateTargets { get; init; }

    /// <summary>Bytes one refresh of one feed may download, all its files together.</summary>
    /// <value>256 MiB.</value>
    public long MaxBytesPerRefresh { get; init; } = 256L * 1024 * 1024;

    /// <summary>Redirects followed per request, each to the same host only.</summary>
    /// <value>5.</value>
    public int MaxRedirects { get; init; } = 5;

    /// <summary>For a feed server on this machine or the plant network that the operator trusts (and tests).</summary>
    public static FeedFetchLimits LocalNetwork { get; } = new() { AllowHttp = true, AllowPrivateTargets = true };
}
