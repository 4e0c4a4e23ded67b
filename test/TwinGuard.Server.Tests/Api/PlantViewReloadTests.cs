using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Tests.Api;

/// <summary>The API's plant views follow a plant model reload: an added asset is listed and served, no restart.</summary>
public sealed class PlantViewReloadTests
{
    private const string Conveyor = "  - id: conveyor1\n    name: Conveyor\n";

    [Fact]
    public async Task Assets_ReloadAddsAnAsset_ListedAndServedAtOnce()
    {
        await using var site = new TwinGuardSiteFactory();
        using var client = site.Client(site.CreateKey(ApiRole.Viewer).Token);
        Assert.DoesNotContain("conveyor2", await AssetIds(client));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/assets/conveyor2")).StatusCode);

        var text = await File.ReadAllTextAsync(TwinGuardSiteFactory.SamplePlantPath);
        Assert.Contains(Conveyor, text, StringComparison.Ordinal);
        var reloaded = text.Replace(Conveyor,
            "  - id: conveyor2\n    name: Second conveyor\n    kind: conveyor\n    tags: [packaging]\n    signals:\n"
            + "      - { id: belt_speed, unit: m/s, range: [0, 3], max_rate: 2, period: 250ms, criticality: medium }\n" + Conveyor,
            StringComparison.Ordinal);
        site.Services.GetRequiredService<PlantModelSource>().Apply(PlantModelLoader.Parse(reloaded, "plant.yaml"));

        Assert.Contains("conveyor2", await AssetIds(client));
        var asset = await client.GetFromJsonAsync<JsonElement>("/api/assets/conveyor2");
        Assert.Equal("Second conveyor", asset.GetProperty("name").GetString());
        var sites = await client.GetFromJsonAsync<JsonElement>("/api/sites");
        Assert.Equal(6, sites[0].GetProperty("assets").GetInt32());
    }

    private static async Task<List<string?>> AssetIds(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/assets")).EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToList();
}
