using System.Globalization;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A single-node <c>serve</c> stopped and started again on the same data directory resumes its twins from
/// <c>twins.db</c> (docs/cluster.md): what they learned before the restart still applies after it.
/// </summary>
public sealed class RestartEndToEndTests
{
    private static string Tank(long seq) => string.Create(CultureInfo.InvariantCulture,
        $$$"""{"ts":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"seq":{{{seq}}},"values":{"level":1.2,"fluid_temp":24.5}}""");

    [Fact]
    public async Task Serve_RestartedOnItsDataDirectory_ResumesTheTwinsLearnedState()
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-restart-").FullName;
        await using (var first = await ServedSite.StartAsync(dataDirectory: dataDir))
        {
            for (var seq = 1; seq <= 3; seq++)
            {
                Assert.Equal(0, (await MosquittoPub.PublishAsync(first.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", Tank(seq))).ExitCode);
            }

            await Eventually.HoldsAsync(() => first.Metrics.ReadingsAccepted, n => n >= 6, TimeSpan.FromSeconds(30), "three messages accepted");
        } // an orderly stop: the twins deactivate and write what they learned

        await using var second = await ServedSite.StartAsync(dataDirectory: dataDir);
        // A message from before the restart, replayed: refused, because the twin resumed with its devices' sequence
        // numbers (a twin that started afresh would accept it).
        Assert.Equal(0, (await MosquittoPub.PublishAsync(second.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", Tank(2))).ExitCode);
        await Eventually.HoldsAsync(() => second.Metrics.RefusalsOf(Twins.Findings.ReasonCode.ReplayedSequence), n => n == 1, TimeSpan.FromSeconds(30), "the replay refused");
        Assert.Equal(1, second.Metrics.TwinsRestored);
    }
}
