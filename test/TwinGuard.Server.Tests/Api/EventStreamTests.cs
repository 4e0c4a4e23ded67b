using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Server.Tests.Api;

/// <summary>The live event stream: opened with a header key or a single-use ticket; it starts with the plant's state.</summary>
public sealed class EventStreamTests
{
    [Fact]
    public async Task Ticket_WorksOnceAndNotAfterItsKeyIsRevoked()
    {
        await using var site = new TwinGuardSiteFactory();
        var key = site.CreateKey(ApiRole.Viewer);
        using var authorised = site.Client(key.Token);
        using var anonymous = site.Client(null);

        var ticket = (await (await authorised.PostAsync("/api/events/ticket", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket").GetString();
        using (var stream = await anonymous.GetAsync($"/api/events?ticket={ticket}", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            Assert.Equal("event: state", await reader.ReadLineAsync());
            var data = await reader.ReadLineAsync();
            Assert.StartsWith("data: ", data, StringComparison.Ordinal);
            var state = JsonDocument.Parse(data!["data: ".Length..]).RootElement;
            Assert.Equal(5, state.GetProperty("assets").GetArrayLength());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/events?ticket={ticket}", HttpCompletionOption.ResponseHeadersRead)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/me?ticket={ticket}")).StatusCode);

        var second = (await (await authorised.PostAsync("/api/events/ticket", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket").GetString();
        site.Services.GetRequiredService<ApiKeyStore>().Revoke(key.Key.Id, "test");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/events?ticket={second}", HttpCompletionOption.ResponseHeadersRead)).StatusCode);
    }

    [Fact]
    public async Task Stream_FindingAdmitted_ArrivesAsJsonAfterTheState()
    {
        await using var site = new TwinGuardSiteFactory();
        using var client = site.Client(site.CreateKey(ApiRole.Viewer).Token);
        using var stream = await client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("event: state", await reader.ReadLineAsync());

        // Raised once the stream is open: the feed serializes it on this listener's stream.
        site.Services.GetRequiredService<EvidenceSink>().Raise(new Finding(TimeProvider.System.GetUtcNow(), ReasonCode.RelationViolated, Severity.Critical,
            "pump1", "flow", "loop-plc", 0, 99, "test: flow breaks its relation"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "event: finding")
            {
                var data = await reader.ReadLineAsync(timeout.Token);
                var finding = JsonDocument.Parse(data!["data: ".Length..]).RootElement;
                Assert.Equal(("relation_violated", "loop-plc", "flow"), (finding.GetProperty("reason").GetString(), finding.GetProperty("device").GetString(), finding.GetProperty("signal").GetString()));
                return;
            }
        }

        Assert.Fail("the stream ended without the finding");
    }
}
