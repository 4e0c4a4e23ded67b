using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Intel.Feeds;

namespace TwinGuard.Intel.Tests.Feeds;

public sealed class FeedStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 10, 15, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Save_ThenLoad_ReturnsFilesAndValidators()
    {
        using var temp = new TempDirectory();
        var store = new FeedStore(temp.Path);
        var source = FeedSource.For("https://feeds.example/misp/");
        var snapshot = new FeedSnapshot([new FeedFile("manifest.json", Encoding.UTF8.GetBytes("{}")) { ETag = "\"v1\"", LastModified = Now }], Now);

        store.Save(source, snapshot, new FeedStatus(source.Id, source.Location) { LastSuccess = Now, Indicators = 3 });
        var loaded = store.LoadSnapshot(source.Id);

        Assert.NotNull(loaded);
        var file = Assert.Single(loaded.Files);
        Assert.Equal("\"v1\"", file.ETag);
        Assert.Equal(Now, file.LastModified);
        Assert.Equal("{}", Encoding.UTF8.GetString(file.Content));
        Assert.Equal(3, Assert.Single(store.List()).Status.Indicators);
        Assert.StartsWith("feeds.example-misp-", source.Id, StringComparison.Ordinal);
    }

    [Fact]
    public void List_DamagedRecord_SaysWhichFile()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("feeds/x"));
        File.WriteAllText(temp.File("feeds/x/feed.json"), "{ nope");

        var ex = Assert.Throws<InvalidDataException>(() => new FeedStore(temp.Path).List());

        Assert.Contains("feed.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddAndRemove_AtRuntime_ChangeTheIndex()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("a.csv"), "ip,192.0.2.1\n");
        using var http = new HttpClient();
        var refresher = new FeedRefresher([], http, new FeedRefresherOptions { TimeProvider = new FakeTimeProvider(Now) });
        var source = FeedSource.For(temp.File("a.csv"));

        Assert.True(refresher.Add(source));
        Assert.False(refresher.Add(source));
        await refresher.RefreshAllAsync(CancellationToken.None);
        Assert.NotNull(refresher.Index.Match(IPAddress.Parse("192.0.2.1")));

        Assert.True(refresher.Remove(source.Id));
        Assert.Null(refresher.Index.Match(IPAddress.Parse("192.0.2.1")));
    }
}
