using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Access;
using TwinGuard.Server.Tests.Api;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Server.Tests.Hosting;

/// <summary>
/// A stopped site leaves nothing running that holds it: no timer, limiter or loop keeps its web application, silo,
/// broker and stages alive. (ASP.NET Core's rate-limiting middleware and an undisposed refusal summary timer once kept
/// every stopped host of a test process alive, a gigabyte after the end-to-end tests, whose timers starved the demo.)
/// </summary>
public sealed class HostLifetimeTests
{
    [Fact]
    public async Task Site_StoppedAfterServingRequests_IsCollected()
    {
        var gate = await ServeAndStopAsync();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (gate.IsAlive && DateTime.UtcNow < deadline)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            await Task.Delay(100);
        }

        Assert.False(gate.IsAlive, "the stopped site's reading gate is still reachable: something the host started outlives it");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> ServeAndStopAsync()
    {
        await using var site = new TwinGuardSiteFactory();
        using (var client = site.Client(site.CreateKey(ApiRole.Viewer, name: "lifetime").Token))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        }

        using (var anonymous = site.Client(null))
        {
            await anonymous.GetAsync("/api/me"); // an unauthenticated request: the limiter's address partition
        }

        return new WeakReference(site.Services.GetRequiredService<ReadingGate>());
    }
}
