using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Tests.Formats;

namespace TwinGuard.Intel.Tests.Feeds;

public sealed class HttpFeedTests
{
    private static readonly DateTimeOffset Start = new(2026, 10, 15, 0, 0, 0, TimeSpan.Zero);
    private const string EventUuid = MispFeedReaderTests.EventUuid;

    private static FeedRefresherOptions Options(FakeTimeProvider time) => new()
    {
        TimeProvider = time,
        Retry = new FeedRetryPolicy { MaxAttempts = 3, BaseDelay = TimeSpan.Zero },
        Limits = FeedFetchLimits.LocalNetwork, // the test server is http on loopback
    };

    [Fact]
    public async Task Refresh_DefaultLimits_RefusePlainHttpAndLoopbackWithoutARequest()
    {
        await using var server = new TestFeedServer((_, _) => Encoding.UTF8.GetBytes("ip,203.0.113.7\n"));
        using var http = FeedHttp.CreateClient(TimeSpan.FromSeconds(10));
        var plain = new FeedRefresher([FeedSource.For(new Uri(server.BaseUrl, "list.csv").ToString())], http, new FeedRefresherOptions());
        var loopback = new FeedRefresher([FeedSource.For("https://127.0.0.1:1/list.csv")], http, new FeedRefresherOptions());

        var refusedHttp = Assert.Single(await plain.RefreshAllAsync(CancellationToken.None));
        var refusedLoopback = Assert.Single(await loopback.RefreshAllAsync(CancellationToken.None));

        Assert.Contains("https only", refusedHttp.LastError, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1 is 127.0.0.1, a loopback, private or link-local address", refusedLoopback.LastError, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Refresh_FeedOptedInToHttpAndPrivate_IsFetchedUnderDefaultLimits_AndKeepsItsOptInAcrossRestarts()
    {
        // An internal MISP-style http feed on the plant network: the defaults refuse it, the feed's own opt-in allows it
        // (and only it: another feed under the same refresher is still refused).
        await using var server = new TestFeedServer((_, _) => Encoding.UTF8.GetBytes("ip,203.0.113.7\n"));
        using var temp = new TempDirectory();
        using var http = FeedHttp.CreateClient(TimeSpan.FromSeconds(10));
        var optedIn = FeedSource.For(new Uri(server.BaseUrl, "list.csv").ToString()) with { Limits = FeedFetchLimits.LocalNetwork };
        var other = FeedSource.For(new Uri(server.BaseUrl, "other.csv").ToString());
        var store = new FeedStore(temp.Path);

        var statuses = await new FeedRefresher([optedIn, other], http, new FeedRefresherOptions(), store).RefreshAllAsync(CancellationToken.None);

        Assert.Null(statuses.Single(s => s.Id == optedIn.Id).LastError);
        Assert.Contains("https only", statuses.Single(s => s.Id == other.Id).LastError, StringComparison.Ordinal);
        Assert.Equal(["GET /list.csv inm= ims="], server.Requests); // only the opted-in feed reached the server
        var stored = store.List().Single(f => f.Source.Id == optedIn.Id).Source;
        Assert.Equal(FeedFetchLimits.LocalNetwork, stored.Limits);
        Assert.Equal("plain http and loopback/private/link-local targets", stored.OptIns);
        var restarted = new FeedRefresher(store.List().Select(f => f.Source), http, new FeedRefresherOptions(), store);
        Assert.Null(Assert.Single(await restarted.RefreshAllAsync(CancellationToken.None), s => s.Id == optedIn.Id).LastError);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Refresh_RedirectToAnotherHost_IsNotFollowed(bool clientFollowsItself)
    {
        // 'localhost' is another host name than '127.0.0.1', although the same machine: the cloud-metadata trick.
        await using var server = new TestFeedServer((request, response) =>
        {
            if (request.Url!.AbsolutePath == "/moved.csv")
            {
                response.StatusCode = 302;
                response.RedirectLocation = new UriBuilder(request.Url) { Host = "localhost", Path = "/list.csv" }.Uri.ToString();
                return null;
            }

            return Encoding.UTF8.GetBytes("ip,203.0.113.7\n");
        });
        using var http = clientFollowsItself ? new HttpClient() : FeedHttp.CreateClient(TimeSpan.FromSeconds(10));
        var refresher = new FeedRefresher([FeedSource.For(new Uri(server.BaseUrl, "moved.csv").ToString())], http, Options(new FakeTimeProvider(Start)));

        var status = Assert.Single(await refresher.RefreshAllAsync(CancellationToken.None));

        Assert.Contains("redirected to another host (localhost)", status.LastError, StringComparison.Ordinal);
        Assert.Null(refresher.Index.Match(IPAddress.Parse("203.0.113.7")));
    }

    [Fact]
    public async Task Refresh_RedirectOnTheSameHost_IsFollowed()
    {
        await using var server = new TestFeedServer((request, response) =>
        {
            if (request.Url!.AbsolutePath == "/moved.csv")
            {
                response.StatusCode = 301;
                response.RedirectLocation = "/list.csv";
                return null;
            }

            return Encoding.UTF8.GetBytes("ip,203.0.113.7\n");
        });
        using var http = FeedHttp.CreateClient(TimeSpan.FromSeconds(10));
        var refresher = new FeedRefresher([FeedSource.For(new Uri(server.BaseUrl, "moved.csv").ToString())], http, Options(new FakeTimeProvider(Start)));

        var status = Assert.Single(await refresher.RefreshAllAsync(CancellationToken.None));

        Assert.Null(status.LastError);
        Assert.NotNull(refresher.Index.Match(IPAddress.Parse("203.0.113.7")));
    }

    [Fact]
    public async Task Refresh_FilesBeyondTheRefreshBudget_FailTheRefresh()
    {
        var big = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 20_000).Select(i => $"ip,10.{i / 65536}.{i / 256 % 256}.{i % 256}\n")));
        await using var server = new TestFeedServer((_, _) => big);
        using var http = FeedHttp.CreateClient(TimeSpan.FromSeconds(10));
        var options = Options(new FakeTimeProvider(Start)) with { Limits = FeedFetchLimits.LocalNetwork with { MaxBytesPerRefresh = big.Length - 1 } };
        var refresher = new FeedRefresher([FeedSource.For(new Uri(server.BaseUrl, "list.csv").ToString())], http, options);

        var status = Assert.Single(await refresher.RefreshAllAsync(CancellationToken.None));

        Assert.Contains("left of this refresh's budget", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshAll_ServerFailsThenRecovers_KeepsLastGoodCopyAndSaysSo()
    {
        var failing = false;
        var csv = "ip,203.0.113.7\n";
        await using var server = new TestFeedServer((request, response) =>
        {
            if (failing)
            {
                response.StatusCode = 503;
                return null;
            }

            return Encoding.UTF8.GetBytes(csv);
        });
        using var temp = new TempDirectory();
        using var http = new HttpClient();
        var time = new FakeTimeProvider(Start);
        var source = FeedSource.For(new Uri(server.BaseUrl, "list.csv").ToString());
        var store = new FeedStore(temp.Path);
        var refresher = new FeedRefresher([source], http, Options(time), store);

        await refresher.RefreshAllAsync(CancellationToken.None);
        Assert.NotNull(refresher.Index.Match(IPAddress.Parse("203.0.113.7")));

        failing = true;
        time.Advance(TimeSpan.FromHours(1));
        var failed = Assert.Single(await refresher.RefreshAllAsync(CancellationToken.None));

        Assert.True(failed.Stale);
        Assert.Contains("HTTP 503", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("after 3 attempts", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("keeping the copy from", failed.Describe(), StringComparison.Ordinal);
        Assert.Equal(4, server.Requests.Count);
        Assert.NotNull(refresher.Index.Match(IPAddress.Parse("203.0.113.7")));
        Assert.True(Assert.Single(store.List()).Status.Stale);

        failing = false;
        csv = "ip,198.51.100.1\n";
        time.Advance(TimeSpan.FromHours(1));
        var recovered = Assert.Single(await refresher.RefreshAllAsync(CancellationToken.None));

        Assert.False(recovered.Stale);
        Assert.Null(recovered.LastError);
        Assert.Equal(Start.AddHours(2), recovered.LastSuccess);
        Assert.Null(refresher.Index.Match(IPAddress.Parse("203.0.113.7")));
        Assert.NotNull(refresher.Index.Match(IPAddress.Parse("198.51.100.1")));
    }

    [Fact]
    public async Task RefreshAll_MispFeedUnchanged_SendsValidatorsAndReusesCopy()
    {
        var manifest = Encoding.UTF8.GetBytes($"{{\"{EventUuid}\": {{\"info\": \"x\"}}}}");
        await using var server = new TestFeedServer((request, response) =>
        {
            var etag = request.Url!.AbsolutePath.EndsWith("manifest.json", StringComparison.Ordinal) ? "\"m1\"" : "\"e1\"";
            if (request.Headers["If-None-Match"] == etag)
            {
                response.StatusCode = 304;
                return null;
            }

            response.Headers["ETag"] = etag;
            response.Headers["Last-Modified"] = "Wed, 14 Oct 2026 00:00:00 GMT";
            return request.Url.AbsolutePath switch
            {
                "/misp/manifest.json" => manifest,
                var p when p == $"/misp/{EventUuid}.json" => Encoding.UTF8.GetBytes(MispFeedReaderTests.Event),
                _ => null,
            };
        });
        using var http = new HttpClient();
        var time = new FakeTimeProvider(Start);
        var refresher = new FeedRefresher([FeedSource.For(new Uri(server.BaseUrl, "misp/").ToString())], http, Options(time));

        var first = Assert.Single(await refresher.RefreshAllAsync(CancellationToken.None));
        var index = refresher.Index;
        var second = Assert.Single(await refresher.RefreshAllAsync(CancellationToken.None));

        Assert.Equal(7, first.Indicators);
        Assert.False(first.NotModified);
        Assert.True(second.NotModified);
        Assert.Equal(7, second.Indicators);
        Assert.Same(index, refresher.Index);
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains("inm=\"m1\"", server.Requests[2], StringComparison.Ordinal);
        Assert.Contains("ims=Wed, 14 Oct 2026 00:00:00 GMT", server.Requests[2], StringComparison.Ordinal);
        Assert.NotNull(refresher.Index.MatchHost("www.c2.evil.example"));
    }

    [Fact]
    public async Task RefreshAll_NotFound_FailsWithoutRetrying()
    {
        await using var server = new TestFeedServer((_, response) =>
        {
            response.StatusCode = 404;
            return null;
        });
        using var http = new HttpClient();
        var refresher = new FeedRefresher([FeedSource.For(new Uri(server.BaseUrl, "gone.csv").ToString())], http, Options(new FakeTimeProvider(Start)));

        var status = Assert.Single(await refresher.RefreshAllAsync(CancellationToken.None));

        Assert.Contains("HTTP 404", status.LastError, StringComparison.Ordinal);
        Assert.False(status.Stale);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task RefreshAll_OneFeedBroken_OthersStillLoad()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("good.csv"), "ip,192.0.2.1\n");
        using var http = new HttpClient();
        var refresher = new FeedRefresher(
            [FeedSource.For(temp.File("missing-dir")), FeedSource.For(temp.File("good.csv"))], http, Options(new FakeTimeProvider(Start)));

        var statuses = await refresher.RefreshAllAsync(CancellationToken.None);

        Assert.Contains("no such file or directory", statuses[0].LastError, StringComparison.Ordinal);
        Assert.Null(statuses[1].LastError);
        Assert.NotNull(refresher.Index.Match(IPAddress.Parse("192.0.2.1")));
    }

    [Fact]
    public async Task LoadStored_AfterRestart_UsesStoredCopyBeforeFirstRefresh()
    {
        using var temp = new TempDirectory();
        var feed = temp.File("feed.csv");
        File.WriteAllText(feed, "ip,192.0.2.1\n");
        using var http = new HttpClient();
        var store = new FeedStore(temp.File("intel"));
        var source = FeedSource.For(feed);
        await new FeedRefresher([source], http, Options(new FakeTimeProvider(Start)), store).RefreshAllAsync(CancellationToken.None);
        File.Delete(feed);

        var restarted = new FeedRefresher([source], http, Options(new FakeTimeProvider(Start)), store);
        restarted.LoadStored();
        var status = Assert.Single(await restarted.RefreshAllAsync(CancellationToken.None));

        Assert.True(status.Stale);
        Assert.NotNull(restarted.Index.Match(IPAddress.Parse("192.0.2.1")));
    }

    [Fact]
    public async Task RunAsync_Schedule_RefreshesEveryInterval()
    {
        using var temp = new TempDirectory();
        var feed = temp.File("feed.csv");
        File.WriteAllText(feed, "ip,192.0.2.1\n");
        using var http = new HttpClient();
        var time = new FakeTimeProvider(Start);
        var refresher = new FeedRefresher([FeedSource.For(feed)], http, Options(time) with { Interval = TimeSpan.FromMinutes(10) });
        var rebuilt = new SemaphoreSlim(0);
        refresher.IndexChanged += (_, _) => rebuilt.Release();
        using var stop = new CancellationTokenSource();

        var run = refresher.RunAsync(stop.Token);
        Assert.True(await rebuilt.WaitAsync(TimeSpan.FromSeconds(10)));
        File.WriteAllText(feed, "ip,192.0.2.2\n");
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(await rebuilt.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.NotNull(refresher.Index.Match(IPAddress.Parse("192.0.2.2")));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Theory]
    [InlineData(1, null, 2)]
    [InlineData(2, null, 4)]
    [InlineData(3, null, 8)]
    [InlineData(20, null, 300)]
    [InlineData(1, 30, 30)]
    [InlineData(1, 3600, 300)]
    public void DelayAfter_Attempt_BacksOffExponentiallyWithinLimits(int attempt, int? retryAfterSeconds, int expectedSeconds)
    {
        var policy = new FeedRetryPolicy();

        var delay = policy.DelayAfter(attempt, retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }
}
