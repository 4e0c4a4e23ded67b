using System.Security.Cryptography;
using System.Text;

namespace TwinGuard.Intel.Feeds;

/// <summary>Where a feed comes from: a local directory, a local file, or an HTTP(S) URL.</summary>
/// <param name="Id">A stable id: a readable name plus a short hash of <paramref name="Location"/>.</param>
/// <param name="Location">The directory, file or URL as given.</param>
public sealed record FeedSource(string Id, string Location)
{
    /// <summary>The URL, when the feed is fetched over HTTP(S).</summary>
    public Uri? Url => Uri.TryCreate(Location, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;

    /// <summary>
    /// This feed's own fetch limits, when its operator opted in explicitly (<c>intel import --allow-http
    /// --allow-private</c>, recorded in <c>feed.json</c> and logged at every start); null: the refresher's limits.
    /// </summary>
    public FeedFetchLimits? Limits { get; init; }

    /// <summary>What this feed may do beyond the defaults, as one line for logs; null when nothing.</summary>
    public string? OptIns => Limits is not { } l || (!l.AllowHttp && !l.AllowPrivateTargets) ? null
        : string.Join(" and ", new[] { l.AllowHttp ? "plain http" : null, l.AllowPrivateTargets ? "loopback/private/link-local targets" : null }.OfType<string>());

    /// <summary>A feed source for a location, with an id derived from it.</summary>
    /// <param name="location">A directory, a file, or an <c>http://</c> / <c>https://</c> URL.</param>
    /// <returns>The source.</returns>
    public static FeedSource For(string location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        var url = Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;
        string key;
        string name;
        if (url is not null)
        {
            key = url.AbsoluteUri;
            name = url.Host + "-" + url.AbsolutePath.Trim('/').Replace('/', '-');
        }
        else
        {
            key = Path.GetFullPath(location).TrimEnd(Path.DirectorySeparatorChar);
            name = Path.GetFileName(key);
        }

        var slug = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('-', '.');
        slug = slug.Length > 40 ? slug[..40] : slug;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8];
        return new FeedSource(slug.Length == 0 ? hash : $"{slug}-{hash}", url?.AbsoluteUri ?? key);
    }
}
