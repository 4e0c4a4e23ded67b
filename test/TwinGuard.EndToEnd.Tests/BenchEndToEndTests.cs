using System.Text.Json;

namespace TwinGuard.EndToEnd.Tests;

/// <summary><c>twinguard bench</c> run as the executable: what it prints on stdout with <c>--json</c> is JSON alone.</summary>
public sealed class BenchEndToEndTests
{
    [Fact]
    public async Task BenchIngest_Json_StdoutIsOneJsonDocument()
    {
        // The ingest benchmark starts whole sites (Orleans silo, embedded broker, ASP.NET Core): before the console
        // logger wrote to stderr, their warnings came first on stdout and the document did not parse.
        var (code, output, error) = await TwinGuardExecutable.RunAsync(["bench", "ingest", "--json", "--quick"], TimeSpan.FromMinutes(5));

        Assert.True(code == 0, $"twinguard bench exited with {code}: {error}");
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.True(root.GetProperty("quick").GetBoolean());
        Assert.Equal(5_000, root.GetProperty("messages").GetInt32());
        foreach (var run in new[] { "pipeline_alone_saturated", "pipeline_alone_paced", "embedded_broker_with_mosquitto_pub" })
        {
            var measured = root.GetProperty(run);
            Assert.True(measured.GetProperty("MessagesPerSecond").GetDouble() > 0, run);
            // One message in a hundred is out of range: every one of them is a finding.
            Assert.True(measured.GetProperty("Findings").GetInt64() >= 5_000 / 100, run);
            // The evidence for a latency tail: the collections and their pauses, and what one thread hop waited.
            Assert.True(measured.GetProperty("GarbageCollections").GetProperty("PauseMs").GetDouble() >= 0, run);
            Assert.True(measured.GetProperty("ThreadPoolHop").GetProperty("Samples").GetInt64() > 0, run);
        }

        Assert.True(root.GetProperty("peer_mosquitto_pub_to_mosquitto_sub").GetProperty("MessagesPerSecond").GetDouble() > 0);
        Assert.True(root.GetProperty("mqttnet_alone_with_mosquitto_pub").GetProperty("MessagesPerSecond").GetDouble() > 0);
    }

    [Fact]
    public async Task BenchLockdown_Json_StdoutIsOneJsonDocumentWithBothPhases()
    {
        var (code, output, error) = await TwinGuardExecutable.RunAsync(["bench", "lockdown", "--json", "--quick"], TimeSpan.FromMinutes(5));

        Assert.True(code == 0, $"twinguard bench exited with {code}: {error}");
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(30, root.GetProperty("trials").GetInt32());
        Assert.True(root.GetProperty("p99_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("while_ingesting_p99_ms").GetDouble() > 0);
        // The background load ran: readings went in while the second phase's trials were measured.
        Assert.True(root.GetProperty("while_ingesting_msgs_per_s").GetDouble() > 0);
    }
}
