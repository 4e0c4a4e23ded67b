using System.Net;
using TwinGuard.Server.Access;

namespace TwinGuard.Server.Tests.Api;

/// <summary>Requests are limited per key: one key that exhausts its bucket does not slow another.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Requests_BeyondBurst_AreRefusedWith429ForThatKeyOnly()
    {
        // A bucket of 3 that refills once an hour: the fourth request within the test must be refused.
        await using var site = new TwinGuardSiteFactory(o => (o.Burst, o.PerPeriod, o.Period) = (3, 1, TimeSpan.FromHours(1)));
        using var busy = site.Client(site.CreateKey(ApiRole.Viewer, name: "busy").Token);
        using var other = site.Client(site.CreateKey(ApiRole.Viewer, name: "other").Token);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await busy.GetAsync("/api/me")).StatusCode);
        }

        var refused = await busy.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("3 requests at once", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(refused.Headers.RetryAfter is not null, "429 without Retry-After");

        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/me")).StatusCode);
    }
}
