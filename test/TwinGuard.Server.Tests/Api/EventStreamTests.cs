using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Access;

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
}
