using System.Text.Json;
using TwinGuard.Server.Tests.Api;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Tests.Commands;

[Collection(ConsoleCollection.Name)]
public sealed class DeviceSecretCommandTests
{
    [Fact]
    public async Task DeviceSecret_Text_PrintsTheSecretOnceAndASecretHashLineThatVerifiesIt()
    {
        var lines = (await KeysCommandTests.RunAsync("device-secret")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var secret = Assert.Single(lines, l => l.StartsWith(DeviceSecretHash.SecretPrefix, StringComparison.Ordinal));
        var hashLine = Assert.Single(lines, l => l.StartsWith("secret_hash: ", StringComparison.Ordinal));
        var hash = DeviceSecretHash.Parse(hashLine["secret_hash: ".Length..].Trim('"'));
        Assert.True(hash.Verify(secret));
        Assert.Single(lines, l => l.Contains(secret[4..], StringComparison.Ordinal)); // printed once
    }

    [Fact]
    public async Task DeviceSecret_Json_OnlyJsonAndAFreshSecretEachTime()
    {
        var first = JsonDocument.Parse(await KeysCommandTests.RunAsync("device-secret", "--json")).RootElement;
        var second = JsonDocument.Parse(await KeysCommandTests.RunAsync("device-secret", "--json")).RootElement;

        Assert.True(DeviceSecretHash.Parse(first.GetProperty("secret_hash").GetString()!).Verify(first.GetProperty("secret").GetString()!));
        Assert.NotEqual(first.GetProperty("secret").GetString(), second.GetProperty("secret").GetString());
    }
}
