using System.Text.Json;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>The real nftables enforcer, applied inside a network namespace the test creates.</summary>
public sealed class NftablesEnforcerTests
{
    [NetnsFact]
    public async Task BlockAsync_InNamespace_PutsTheAddressInTheSetAndUnblockRemovesIt()
    {
        using var ns = NetworkNamespace.Create();
        // Someone else's table in the same namespace must survive TwinGuard's rebuilds.
        Assert.Equal(0, ns.Exec("nft", "add", "table", "inet", "operator").Code);
        var enforcer = new NftablesEnforcer("twinguard", ns.Name);

        await enforcer.InitializeAsync(["192.0.2.7"], CancellationToken.None);
        Assert.Equal(["192.0.2.7"], Elements(ns, "blocked_v4"));

        await enforcer.BlockAsync("198.51.100.23:50122", CancellationToken.None);
        await enforcer.BlockAsync("198.51.100.23", CancellationToken.None); // idempotent
        await enforcer.BlockAsync("2001:db8::5", CancellationToken.None);
        await enforcer.BlockAsync("203.0.113.0/24", CancellationToken.None);
        Assert.Equal(["192.0.2.7", "198.51.100.23", "203.0.113.0/24"], Elements(ns, "blocked_v4").Order(StringComparer.Ordinal));
        Assert.Equal(["2001:db8::5"], Elements(ns, "blocked_v6"));

        var ruleset = ns.Exec("nft", "list", "table", "inet", "twinguard").Output;
        Assert.Contains("hook input priority", ruleset, StringComparison.Ordinal);
        Assert.Contains("ip saddr @blocked_v4 drop", ruleset, StringComparison.Ordinal);

        await enforcer.UnblockAsync("198.51.100.23", CancellationToken.None);
        var again = await enforcer.UnblockAsync("198.51.100.23", CancellationToken.None);
        Assert.Contains("was not blocked", again, StringComparison.Ordinal);
        Assert.Equal(["192.0.2.7", "203.0.113.0/24"], Elements(ns, "blocked_v4").Order(StringComparer.Ordinal));

        // A restart rebuilds the table with exactly the active blocks.
        await enforcer.InitializeAsync(["2001:db8::5"], CancellationToken.None);
        Assert.Empty(Elements(ns, "blocked_v4"));
        Assert.Equal(["2001:db8::5"], Elements(ns, "blocked_v6"));
        Assert.Equal(0, ns.Exec("nft", "list", "table", "inet", "operator").Code);
    }

    private static List<string> Elements(NetworkNamespace ns, string set)
    {
        var (code, output) = ns.Exec("nft", "-j", "list", "set", "inet", "twinguard", set);
        Assert.True(code == 0, output);
        using var json = JsonDocument.Parse(output);
        var list = new List<string>();
        foreach (var item in json.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("set", out var s) && s.TryGetProperty("elem", out var elements))
            {
                foreach (var e in elements.EnumerateArray())
                {
                    list.Add(e.ValueKind == JsonValueKind.String ? e.GetString()! : $"{e.GetProperty("prefix").GetProperty("addr").GetString()}/{e.GetProperty("prefix").GetProperty("len").GetInt32()}");
                }
            }
        }

        return list;
    }
}
