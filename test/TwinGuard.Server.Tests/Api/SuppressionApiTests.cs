using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Tests.Api;

/// <summary>Verdicts that teach: a false_positive with <c>suppress</c> holds back a benign recurring finding, never what must stay on.</summary>
public sealed class SuppressionApiTests
{
    [Fact]
    public async Task FalsePositiveWithSuppress_HoldsBackTheRecurringFinding_UntilLifted_AndNeverTheRelations()
    {
        await using var site = new TwinGuardSiteFactory();
        using var client = site.Client(site.CreateKey(ApiRole.Operator, name: "ana").Token);
        var evidence = site.Services.GetRequiredService<EvidenceSink>();
        var time = site.Services.GetRequiredService<TimeProvider>();
        Finding Outlier() => new(time.GetUtcNow(), ReasonCode.StatisticalOutlier, Severity.Medium, "conveyor1", "speed", "conveyor-plc", 1.2, 4.1, "speed jumped");
        Finding Relation() => new(time.GetUtcNow(), ReasonCode.RelationViolated, Severity.High, "conveyor1", "speed", "conveyor-plc", 1.2, 4.1, "speed breaks its relation");

        evidence.Raise(Outlier());
        var outlier = await StoredFindings.IdAsync(client, "statistical_outlier", count: 1);
        evidence.Raise(Relation());
        var relation = await StoredFindings.IdAsync(client, "relation_violated", count: 1);

        // The relations can never be silenced; an outlier can, for a bounded time.
        var refused = await client.PostAsJsonAsync($"/api/findings/{relation}/verdict", new { verdict = "false_positive", comment = "not physics", suppress = "7d" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var tooLong = await client.PostAsJsonAsync($"/api/findings/{outlier}/verdict", new { verdict = "false_positive", comment = "belt jumps", suppress = "365d" });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var made = await client.PostAsJsonAsync($"/api/findings/{outlier}/verdict", new { verdict = "false_positive", comment = "belt speed steps at shift change", suppress = "7d" });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);

        var suppressions = await client.GetFromJsonAsync<JsonElement>("/api/suppressions");
        var suppression = Assert.Single(suppressions.EnumerateArray().ToList());
        var id = suppression.GetProperty("suppression").GetProperty("id").GetInt64();

        // Repeats of the benign pattern are held back; the relation still gets through (a barrier: once it is stored,
        // everything raised before it has been decided).
        for (var i = 0; i < 20; i++)
        {
            evidence.Raise(Outlier() with { Time = time.GetUtcNow().AddSeconds(20 * (i + 1)) });
        }

        evidence.Raise(Relation() with { Time = time.GetUtcNow().AddMinutes(10) });
        await StoredFindings.IdAsync(client, "relation_violated", count: 2);
        Assert.Equal(1, await CountAsync(client, "statistical_outlier"));
        var held = await client.GetFromJsonAsync<JsonElement>("/api/suppressions");
        Assert.Equal(20, held[0].GetProperty("hits").GetInt64());

        // Lifted: the pattern is findings again; both changes are recorded with who made them.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/suppressions/{id}/lift", new { reason = "belt replaced" })).StatusCode);
        evidence.Raise(Outlier() with { Time = time.GetUtcNow().AddMinutes(20) });
        await StoredFindings.IdAsync(client, "statistical_outlier", count: 2);
        using var store = ResponseStore.Open(site.DataDirectory);
        Assert.Contains(store.Actions(), a => a.Action == "suppress" && a.Target == "statistical_outlier on conveyor1.speed");
        Assert.Contains(store.Actions(), a => a.Action == "lift suppression");
        Assert.Empty(store.ActiveSuppressions());
    }

    private static async Task<int> CountAsync(HttpClient client, string reason) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/findings")).EnumerateArray().Count(f => f.GetProperty("reason").GetString() == reason);
}
