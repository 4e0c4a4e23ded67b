using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TwinGuard.Server.Access;

namespace TwinGuard.Server.Tests.Api;

/// <summary><c>/api/cluster</c> (the dashboard's silos panel) on a single node: one active silo, and the twin a real client's reading activated on it.</summary>
public sealed class ClusterApiTests
{
    [Fact]
    public async Task Cluster_SingleNodeAfterAReading_OneActiveSiloHoldingTheTwin()
    {
        await using var site = new TwinGuardSiteFactory();
        using var client = site.Client(site.CreateKey(ApiRole.Viewer).Token);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await MosquittoPublisher.PublishAsync(site.Settings.Broker.Port, "tank-gateway", "demo-tank-gateway", "plant/tank1",
            [string.Create(CultureInfo.InvariantCulture, $$$"""{"ts":{{{now}}},"seq":1,"values":{"level":1.2,"fluid_temp":24.5}}""")]);

        var status = await Eventually.HoldsAsync(
            () => client.GetFromJsonAsync<JsonElement>("/api/cluster").GetAwaiter().GetResult(),
            s => s.GetProperty("silos").EnumerateArray().Any(x => x.GetProperty("twinIds").EnumerateArray().Any(t => t.GetString() == "tank1")),
            TimeSpan.FromSeconds(60), "tank1's twin listed on the silo");

        Assert.Equal("single-node", status.GetProperty("clusterId").GetString());
        var silo = Assert.Single(status.GetProperty("silos").EnumerateArray());
        Assert.Equal("Active", silo.GetProperty("status").GetString());
        Assert.True(silo.GetProperty("twins").GetInt64() >= 1);
        using var anonymous = site.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/cluster")).StatusCode);
    }
}
