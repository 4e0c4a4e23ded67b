using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Tests.Api;

/// <summary>A twin made read-only by a lockdown refuses API writes (423) until an operator releases it through the API.</summary>
public sealed class ReadOnlyTwinTests
{
    [Fact]
    public async Task Write_ToReadOnlyTwin_IsRefusedUntilReleased_AndEveryWriteIsRecorded()
    {
        await using var site = new TwinGuardSiteFactory();
        var key = site.CreateKey(ApiRole.Operator, name: "olga");
        using var client = site.Client(key.Token);
        var engine = site.Services.GetRequiredService<ResponseEngine>();
        var lockdown = await engine.QuarantineAsync(QuarantineKind.ReadOnly, "pump1", "playbook:lockdown", "tampering suspected");

        var note = await client.PostAsJsonAsync("/api/assets/pump1/notes", new { text = "valve checked" });
        Assert.Equal((HttpStatusCode)423, note.StatusCode);
        Assert.Equal("application/problem+json", note.Content.Headers.ContentType?.MediaType);
        var problem = await note.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains($"release quarantine {lockdown.Id}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)423, (await client.PutAsJsonAsync("/api/assets/pump1/maintenance", new { enabled = true, reason = "x" })).StatusCode);

        // Another asset's twin is not affected.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/assets/tank1/notes", new { text = "level sensor cleaned" })).StatusCode);

        var release = await client.PostAsJsonAsync($"/api/quarantines/{lockdown.Id}/release", new { reason = "pump inspected, no tampering" });
        Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync($"/api/quarantines/{lockdown.Id}/release", new { reason = "again" })).StatusCode);
        var accepted = await client.PostAsJsonAsync("/api/assets/pump1/notes", new { text = "valve checked" });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var stored = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(key.Key.Actor, stored.GetProperty("by").GetString());

        // Who did it is in the response store (and the entry it names is in the ledger).
        using var store = ResponseStore.Open(site.DataDirectory);
        var actions = store.Actions();
        Assert.Contains(actions, a => a.Action == "note" && a.Target == "asset:pump1" && a.By == key.Key.Actor);
        Assert.Contains(actions, a => a.Outcome == ActionOutcome.Released && a.By == key.Key.Actor);
        Assert.True(stored.GetProperty("ledgerEntry").GetInt64() > 0);
    }

    [Fact]
    public async Task Verdict_BadValue_IsRefusedWithProblem()
    {
        await using var site = new TwinGuardSiteFactory();
        using var client = site.Client(site.CreateKey(ApiRole.Operator).Token);
        var response = await client.PostAsJsonAsync("/api/findings/1/verdict", new { verdict = "maybe", comment = "?" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // no finding 1 yet: the subject is checked first
        var note = await client.PostAsJsonAsync("/api/assets/pump1/notes", new { text = " " });
        Assert.Equal(HttpStatusCode.BadRequest, note.StatusCode);
        Assert.Contains("'text' is required", await note.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verdict_OnRealFinding_IsRecordedAndRefusedWhileTheTwinIsReadOnly()
    {
        await using var site = new TwinGuardSiteFactory();
        var key = site.CreateKey(ApiRole.Operator, name: "ana");
        using var client = site.Client(key.Token);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // 3.5 m is outside the tank level's range [0, 2]: refused by validation, which raises an out_of_range finding.
        await MosquittoPublisher.PublishAsync(site.Settings.Broker.Port, "tank-gateway", "demo-tank-gateway", "plant/tank1",
            [$$$"""{"ts":{{{now}}},"seq":1,"values":{"level":3.5,"fluid_temp":24.5}}"""]);
        var findings = await ReadingsApiTests.EventuallyAsync(
            async () => await client.GetFromJsonAsync<JsonElement>("/api/findings?asset=tank1"), f => f.GetArrayLength() > 0);
        var finding = findings.EnumerateArray().First(f => f.GetProperty("reason").GetString() == "out_of_range");
        var id = finding.GetProperty("id").GetInt64();

        var given = await client.PostAsJsonAsync($"/api/findings/{id}/verdict", new { verdict = "confirmed_attack", comment = "level cannot exceed the tank" });
        Assert.Equal(HttpStatusCode.Created, given.StatusCode);
        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/findings/{id}");
        var verdict = Assert.Single(detail.GetProperty("verdicts").EnumerateArray());
        Assert.Equal("confirmed_attack", verdict.GetProperty("value").GetString());
        Assert.Equal(key.Key.Actor, verdict.GetProperty("by").GetString());

        await site.Services.GetRequiredService<ResponseEngine>().QuarantineAsync(QuarantineKind.ReadOnly, "tank1", "playbook:lockdown", "tampering");
        var refused = await client.PostAsJsonAsync($"/api/findings/{id}/verdict", new { verdict = "false_positive", comment = "changed my mind" });
        Assert.Equal((HttpStatusCode)423, refused.StatusCode);
        Assert.Single((await client.GetFromJsonAsync<JsonElement>($"/api/findings/{id}")).GetProperty("verdicts").EnumerateArray());
    }
}
