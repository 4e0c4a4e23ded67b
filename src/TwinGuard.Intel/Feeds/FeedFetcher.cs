using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using TwinGuard.Intel.Formats;
using TwinGuard.Intel.Formats.Misp;

namespace TwinGuard.Intel.Feeds;

/// <summary>
/// Fetches a feed's files from a directory, a file or an HTTP(S) URL; over HTTP with conditional requests and
/// retries with exponential back-off.
/// </summary>
/// <remarks>
/// A URL ending in <c>/</c>, or one that serves a MISP <c>manifest.json</c>, is a MISP feed: the manifest is fetched
/// first and then each <c>&lt;uuid&gt;.json</c> beside it. Every request carries <c>If-None-Match</c> and
/// <c>If-Modified-Since</c> from the previous copy (RFC 9110 §13.1.2, §13.1.3); a 304 reuses it. Network errors,
/// 408, 429 and 5xx are retried after <see cref="FeedRetryPolicy.DelayAfter"/> (honouring <c>Retry-After</c>);
/// other statuses fail at once.
/// </remarks>
/// <para>Limits (<see cref="FeedFetchLimits"/>): https only, no loopback, private or link-local targets (checked for every
/// request, redirects included), redirects followed to the same host only, and one byte budget for all the files of one
/// refresh.</para>
public sealed class FeedFetcher(HttpClient http, TimeProvider timeProvider, FeedRetryPolicy? retry = null, FeedFetchLimits? limits = null)
{
    /// <summary>Largest file accepted from a feed.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    private readonly FeedRetryPolicy _retry = retry ?? new FeedRetryPolicy();
    private readonly FeedFetchLimits _limits = limits ?? new FeedFetchLimits();

    /// <summary>Fetches the feed.</summary>
    /// <param name="source">Where from.</param>
    /// <param name="previous">The last good copy, for conditional requests; null on the first fetch.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns>The files.</returns>
    /// <exception cref="FeedFetchException">The feed could not be fetched; the message says where and why.</exception>
    public async Task<FeedFetchResult> FetchAsync(FeedSource source, FeedSnapshot? previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Url is { } url)
        {
            return await FetchHttpAsync(url, previous, source.Limits ?? _limits, cancellationToken);
        }

        return new FeedFetchResult(ReadLocal(source.Location, timeProvider.GetUtcNow()), false, 0);
    }

    /// <summary>Reads a directory's top-level files, or one file.</summary>
    /// <exception cref="FeedFetchException">It cannot be read.</exception>
    public static FeedSnapshot ReadLocal(string location, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(location);
        try
        {
            if (Directory.Exists(location))
            {
                var files = Directory.EnumerateFiles(location)
                    .Where(f => Path.GetExtension(f).ToUpperInvariant() is ".JSON" or ".CSV" or ".TXT")
                    .Order(StringComparer.Ordinal)
                    .Select(f => new FeedFile(Path.GetFileName(f), ReadBounded(f)))
                    .ToArray();
                return new FeedSnapshot(files, now);
            }

            if (File.Exists(location))
            {
                return new FeedSnapshot([new FeedFile(Path.GetFileName(location), ReadBounded(location))], now);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FeedFetchException($"{location}: cannot read: {ex.Message}", ex);
        }

        throw new FeedFetchException($"{location}: no such file or directory");
    }

    private static byte[] ReadBounded(string path) =>
        new FileInfo(path).Length > MaxFileBytes
            ? throw new FeedFetchException($"{path}: larger than {MaxFileBytes / (1024 * 1024)} MiB")
            : File.ReadAllBytes(path);

    private async Task<FeedFetchResult> FetchHttpAsync(Uri url, FeedSnapshot? previous, FeedFetchLimits limits, CancellationToken cancellationToken)
    {
        var first = url.AbsolutePath.EndsWith('/') ? new Uri(url, MispFeedReader.ManifestName) : url;
        var firstName = Path.GetFileName(first.AbsolutePath) is { Length: > 0 } n ? n : "feed";
        var requests = 0;
        var budget = limits.MaxBytesPerRefresh;
        var (file, notModified, tries) = await GetAsync(first, firstName, previous?.Find(firstName), budget, limits, cancellationToken);
        requests += tries;
        budget -= file.Content.Length;
        if (FeedParser.Sniff(file.Content) != "misp-manifest")
        {
            return new FeedFetchResult(new FeedSnapshot([file], timeProvider.GetUtcNow()), notModified, requests);
        }

        // A MISP feed: the manifest changes whenever an event does, so an unchanged manifest means an unchanged feed.
        if (notModified && previous is not null)
        {
            return new FeedFetchResult(previous with { FetchedAt = timeProvider.GetUtcNow() }, true, requests);
        }

        var files = new List<FeedFile> { file with { Name = MispFeedReader.ManifestName } };
        var uuids = MispFeedReader.ReadManifest(file.Content, out _);
        foreach (var uuid in uuids)
        {
            var name = uuid + ".json";
            var (eventFile, _, eventTries) = await GetAsync(new Uri(first, name), name, previous?.Find(name), budget, limits, cancellationToken);
            requests += eventTries;
            budget -= eventFile.Content.Length;
            files.Add(eventFile);
        }

        return new FeedFetchResult(new FeedSnapshot(files, timeProvider.GetUtcNow()), false, requests);
    }

    private async Task<(FeedFile File, bool NotModified, int Requests)> GetAsync(
        Uri uri, string name, FeedFile? previous, long budget, FeedFetchLimits limits, CancellationToken cancellationToken)
    {
        if (budget <= 0)
        {
            throw new FeedFetchException($"{uri}: the refresh's budget of {limits.MaxBytesPerRefresh / (1024 * 1024)} MiB is spent");
        }

        string lastError = "no attempt made";
        for (var attempt = 1; attempt <= _retry.MaxAttempts; attempt++)
        {
            TimeSpan? retryAfter = null;
            try
            {
                using var response = await SendFollowingAsync(uri, previous, limits, cancellationToken);
                if (response.StatusCode == HttpStatusCode.NotModified && previous is not null)
                {
                    return (previous, true, attempt);
                }

                if (response.IsSuccessStatusCode)
                {
                    var content = await ReadBoundedAsync(response.Content, uri, Math.Min(MaxFileBytes, budget), cancellationToken);
                    return (new FeedFile(name, content)
                    {
                        ETag = response.Headers.ETag?.ToString(),
                        LastModified = response.Content.Headers.LastModified,
                    }, false, attempt);
                }

                lastError = $"HTTP {((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)} {response.ReasonPhrase}";
                if (!IsTransient(response.StatusCode))
                {
                    throw new FeedFetchException($"{uri}: {lastError}");
                }

                retryAfter = response.Headers.RetryAfter switch
                {
                    { Delta: { } delta } => delta,
                    { Date: { } date } => date - timeProvider.GetUtcNow(),
                    _ => null,
                };
            }
            catch (HttpRequestException ex)
            {
                lastError = ex.Message;
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                lastError = $"timed out ({ex.Message})";
            }

            if (attempt < _retry.MaxAttempts)
            {
                await Task.Delay(_retry.DelayAfter(attempt, retryAfter), timeProvider, cancellationToken);
            }
        }

        throw new FeedFetchException($"{uri}: {lastError} (after {_retry.MaxAttempts.ToString(CultureInfo.InvariantCulture)} attempts)");
    }

    /// <summary>Sends a GET, following redirects to the same host only, every target checked against the limits.</summary>
    private async Task<HttpResponseMessage> SendFollowingAsync(Uri uri, FeedFile? previous, FeedFetchLimits limits, CancellationToken cancellationToken)
    {
        var target = uri;
        for (var redirects = 0; ; redirects++)
        {
            if (await FeedHttp.RefusalAsync(target, limits, cancellationToken) is { } refusal)
            {
                throw new FeedFetchException($"{target}: {refusal}");
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            if (previous?.ETag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag))
            {
                request.Headers.IfNoneMatch.Add(tag);
            }

            if (previous?.LastModified is { } lastModified)
            {
                request.Headers.IfModifiedSince = lastModified;
            }

            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var reached = response.RequestMessage?.RequestUri ?? target; // a client that followed redirects itself
            if (!SameHost(uri, reached))
            {
                response.Dispose();
                throw new FeedFetchException($"{uri}: redirected to another host ({reached.IdnHost}); only redirects to the same host are followed");
            }

            // RFC 9110 §15.4: 301, 302, 303, 307, 308 with a Location.
            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                var next = new Uri(target, location);
                if (!SameHost(uri, next))
                {
                    throw new FeedFetchException($"{uri}: redirected to another host ({next.IdnHost}); only redirects to the same host are followed");
                }

                if (redirects >= limits.MaxRedirects)
                {
                    throw new FeedFetchException($"{uri}: more than {limits.MaxRedirects} redirects");
                }

                target = next;
                continue;
            }

            return response;
        }
    }

    private static bool SameHost(Uri a, Uri b) => string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase);

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, Uri uri, long max, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > max)
        {
            throw new FeedFetchException($"{uri}: larger than the {max / (1024 * 1024)} MiB left of this refresh's budget");
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw new FeedFetchException($"{uri}: larger than the {max / (1024 * 1024)} MiB left of this refresh's budget");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
