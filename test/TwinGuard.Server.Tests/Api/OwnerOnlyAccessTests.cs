using System.Net;
using System.Net.Http.Json;
using TwinGuard.Server.Access;

namespace TwinGuard.Server.Tests.Api;

/// <summary>Keys and files (issue #16): the first admin key's token never reaches the output, files are owner-only, a site's admin makes keys for its site only.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // POSIX file modes
public sealed class OwnerOnlyAccessTests
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task Announce_FreshDataDirectory_WritesTheTokenToAnOwnerOnlyFileAndPrintsOnlyItsPath()
    {
        await using var site = new TwinGuardSiteFactory();
        _ = site.Services; // start the host
        using var output = new StringWriter();

        var path = FirstAdminKey.Announce(site.Services, site.Settings, output);

        Assert.NotNull(path);
        Assert.Equal(Path.Combine(site.DataDirectory, FirstAdminKey.FileName), path);
        Assert.DoesNotContain("tgk_", output.ToString(), StringComparison.Ordinal);
        Assert.Contains(path, output.ToString(), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var token = (await File.ReadAllTextAsync(path)).Trim();
        using var client = site.Client(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/keys")).StatusCode); // it is an admin key

        Assert.Null(FirstAdminKey.Announce(site.Services, site.Settings, new StringWriter())); // once only
    }

    [Fact]
    public async Task Serve_DataDirectory_IsOwnerOnlyWithEveryFileInIt()
    {
        await using var site = new TwinGuardSiteFactory();
        File.SetUnixFileMode(site.DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _ = site.Services; // the host secures the directory as it starts
        _ = site.CreateKey(ApiRole.Admin); // operator.db

        Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(site.DataDirectory) & GroupOrOther);
        var files = Directory.EnumerateFileSystemEntries(site.DataDirectory, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("twinguard.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("operator.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("ledger", StringComparison.Ordinal));
        Assert.All(files, f => Assert.True((File.GetUnixFileMode(f) & GroupOrOther) == 0, $"{f} is {File.GetUnixFileMode(f)}"));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Forbidden)]
    [InlineData("other-site", HttpStatusCode.Forbidden)]
    [InlineData("line1", HttpStatusCode.Created)]
    public async Task CreateKey_BySiteScopedAdmin_OnlyWithinItsSite(string? site, HttpStatusCode expected)
    {
        await using var factory = new TwinGuardSiteFactory();
        var admin = factory.CreateKey(ApiRole.Admin, site: "line1");
        using var client = factory.Client(admin.Token);

        var answer = await client.PostAsJsonAsync("/api/keys", new { name = "made", role = "admin", site });

        Assert.Equal(expected, answer.StatusCode);
    }
}
