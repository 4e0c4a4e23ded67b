using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Tests.Api;

/// <summary>Every key made or revoked is in the ledger, whether through the API or with the CLI beside a running serve.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class KeyAuditTests
{
    [Fact]
    public async Task Keys_MadeAndRevokedWithTheCliWhileServing_AreRecordedWithTheCliAsTheActor()
    {
        await using var site = new TwinGuardSiteFactory();
        _ = site.Services; // starts serve

        var output = await KeysCommandTests.RunAsync("keys", "create", "--role", "viewer", "--name", "auditor", "--data-dir", site.DataDirectory, "--json");

        var id = JsonDocument.Parse(output).RootElement.GetProperty("key").GetProperty("id").GetString()!;
        var created = await ActionAsync(site, "key: create", id);
        Assert.Equal(("cli", "auditor, role viewer"), (created.By, created.Detail));
        await KeysCommandTests.RunAsync("keys", "revoke", id, "--data-dir", site.DataDirectory);
        Assert.Equal("cli", (await ActionAsync(site, "key: revoke", id)).By);

        // Each event once: the key store notes the entry that records it.
        using var store = ResponseStore.Open(site.DataDirectory);
        Assert.Single(store.Actions(), a => a.Target == "key:" + id && a.Action == "key: create");
        using var keys = ApiKeyStore.Open(site.DataDirectory);
        Assert.DoesNotContain(keys.Unrecorded(), k => k.Key.Id == id);
    }

    [Fact]
    public async Task Key_MadeThroughTheApi_IsRecordedBeforeTheAnswer()
    {
        await using var site = new TwinGuardSiteFactory();
        var admin = site.CreateKey(ApiRole.Admin, name: "ada");
        using var client = site.Client(admin.Token);

        var response = await client.PostAsJsonAsync("/api/keys", new { name = "bob", role = "operator" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetProperty("id").GetString()!;
        using var store = ResponseStore.Open(site.DataDirectory);
        var action = Assert.Single(store.Actions(), a => a.Target == "key:" + id);
        Assert.Equal(("key: create", admin.Key.Actor), (action.Action, action.By));
        using var keys = ApiKeyStore.Open(site.DataDirectory);
        Assert.DoesNotContain(keys.Unrecorded(), k => k.Key.Id == id); // its ledger entry is noted: never recorded twice
    }

    private static async Task<ActionRecord> ActionAsync(TwinGuardSiteFactory site, string action, string keyId)
    {
        for (var attempt = 0; attempt < 1200; attempt++) // 60 s: a hang guard, a loaded CI machine is slow, not stuck
        {
            using (var store = ResponseStore.Open(site.DataDirectory))
            {
                if (store.Actions().FirstOrDefault(a => a.Action == action && a.Target == "key:" + keyId) is { } found)
                {
                    return found;
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no '{action}' of key {keyId} was recorded");
    }
}
