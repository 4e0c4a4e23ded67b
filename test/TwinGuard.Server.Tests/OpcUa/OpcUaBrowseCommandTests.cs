using System.Text.Json;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Tests.Api;

namespace TwinGuard.Server.Tests.OpcUa;

[Collection(ConsoleCollection.Name)]
public sealed class OpcUaBrowseCommandTests
{
    [Fact]
    public async Task Browse_NodeOpcUaPump_PrintsEndpointFingerprintsAndThePumpVariablesAsJson()
    {
        await using var server = await NodeOpcUaServer.StartAsync();

        var output = await KeysCommandTests.RunAsync("opcua", "browse", server.Url, "--depth", "2", "--json");

        using var json = JsonDocument.Parse(output);
        var endpoints = json.RootElement.GetProperty("endpoints").EnumerateArray().ToList();
        Assert.Contains(endpoints, e => e.GetProperty("security_policy").GetString() == "Basic256Sha256");
        Assert.All(endpoints, e => Assert.Equal(server.Fingerprint, e.GetProperty("server_certificate_sha256").GetString()));
        var speed = json.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("node_id").GetString() == "ns=1;s=pump1.speed");
        Assert.Equal("Variable", speed.GetProperty("node_class").GetString());
        Assert.Equal("Good", speed.GetProperty("status").GetString());
        Assert.Equal(1, speed.GetProperty("level").GetInt32());
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/")]
    [InlineData("opc.tcp://127.0.0.1:1/nothing-listens")]
    public async Task Browse_BadOrUnreachableEndpoint_FailsWithOneLine(string endpoint)
    {
        var original = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            Assert.NotEqual(0, await TwinGuardCli.RunAsync(["opcua", "browse", endpoint]));
        }
        finally
        {
            Console.SetError(original);
        }

        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("127.0.0.1", line, StringComparison.Ordinal);
    }
}
