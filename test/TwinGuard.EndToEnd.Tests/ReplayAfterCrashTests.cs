using System.Globalization;
using TwinGuard.Twins.Plant;
using Xunit.Abstractions;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// Replay protection survives a crash (issue #18, point 4) and a failover (issue #19): readings acknowledged (QoS 1)
/// right before a kill -9 are refused when replayed afterwards, through a restarted single node or through another
/// silo of a cluster, although the twin's learned state (written every 100 messages or 100 s) did not yet hold their
/// sequence numbers. A fresh reading after them is still accepted.
/// </summary>
public sealed class ReplayAfterCrashTests(ITestOutputHelper output)
{
    private const string Device = "tank-gateway";
    private const string Password = "demo-tank-gateway";
    private const string Topic = "plant/tank1";

    private static int CountFindings(SiloProcess silo, string reason) => ClusterEndToEndTests.CountFindings(silo, reason, "tank1");

    /// <summary>The silo's count of messages refused for <paramref name="reason"/> (<c>/metrics</c>; stored findings fold repeats).</summary>
    private static double Refusals(SiloProcess silo, string reason)
    {
        using var http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{silo.HttpPort}")) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(silo.DataDirectory, "first-admin.key")).Trim());
        var prefix = $"twinguard_refusals_total{{reason=\"{reason}\"}} ";
        var line = http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).GetAwaiter().GetResult()
            .Split('\n').SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }

    private static async Task PublishAcknowledgedAsync(SiloProcess silo, long seq, double level = 1.2)
    {
        var (code, error) = await MosquittoPub.PublishAsync(silo.MqttPort, Device, Password, Topic, ClusterEndToEndTests.Tank(seq, level));
        Assert.True(code == 0, $"seq {seq}: {error}");
    }

    [Fact]
    public async Task Serve_KilledRightAfterAcknowledging_RefusesTheirReplayAfterTheRestart()
    {
        var dataDir = Path.Combine(Directory.CreateTempSubdirectory("twinguard-replay-crash-").FullName, "data");
        var first = await SiloProcess.StartAloneAsync(ServedSite.SamplePlantPath, dataDir);
        var silos = new List<SiloProcess> { first };
        await SiloProcess.RunAsync(silos, output, async () =>
        {
            // Ready once its broker acknowledges (a first try before it listens fails and is sent again).
            await Eventually.HoldsAsync(() => MosquittoPub.PublishAsync(first.MqttPort, Device, Password, Topic, ClusterEndToEndTests.Tank(1, 1.2)).GetAwaiter().GetResult().ExitCode,
                code => code == 0, TimeSpan.FromSeconds(120), "serve acknowledging a reading");
            await PublishAcknowledgedAsync(first, 2);
            await PublishAcknowledgedAsync(first, 3);
            await first.KillAsync(); // at once: no snapshot tick, no periodic flush in between

            var second = await SiloProcess.StartAloneAsync(ServedSite.SamplePlantPath, dataDir);
            silos.Add(second);
            var before = CountFindings(second, "replayed_sequence");
            await Eventually.HoldsAsync(() => MosquittoPub.PublishAsync(second.MqttPort, Device, Password, Topic, ClusterEndToEndTests.Tank(3, 1.2)).GetAwaiter().GetResult().ExitCode,
                code => code == 0, TimeSpan.FromSeconds(120), "the restarted serve taking the replay");
            await Eventually.HoldsAsync(() => CountFindings(second, "replayed_sequence"), n => n > before, TimeSpan.FromSeconds(60), "the replay of seq 3 refused after the restart");

            // The next reading is no replay: accepted (an out-of-range level, so that its acceptance shows as a finding).
            await PublishAcknowledgedAsync(second, 4, level: 9.9);
            await Eventually.HoldsAsync(() => CountFindings(second, "out_of_range"), n => n >= 1, TimeSpan.FromSeconds(60), "seq 4 accepted after the restart");
            Assert.Equal(before + 1, CountFindings(second, "replayed_sequence"));
        });
    }

    [Fact]
    public async Task Cluster_SiloKilledRightAfterAcknowledging_AnotherSiloRefusesTheirReplay()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "replay-" + Guid.NewGuid().ToString("N")[..8];
        // Snapshots every 10 s (the default): the twin's grain state holds none of the readings below when its silo dies.
        var silos = await SiloProcess.StartAllAsync(2, () => SiloProcess.StartAsync(ServedSite.SamplePlantPath, redis.Configuration, clusterId, TimeSpan.FromSeconds(10)));
        await SiloProcess.RunAsync(silos, output, async () =>
        {
            var cluster = ClusterModelLoader.Load(silos[0].ClusterFile);
            await ClusterEndToEndTests.StatusAsync(cluster, s => s.Silos.Count(x => x.Status == "Active") == 2, "two active silos");
            await PublishAcknowledgedAsync(silos[0], 1);
            var status = await ClusterEndToEndTests.StatusAsync(cluster, s => s.Silos.Any(x => x.TwinIds.Contains("tank1")), "tank1's twin in the status");
            var holder = status.Silos.Single(x => x.TwinIds.Contains("tank1"));
            var victim = silos.Single(s => holder.Address.Contains(
                "127.0.0.1:" + ClusterModelLoader.Load(s.ClusterFile).SiloPort.ToString(CultureInfo.InvariantCulture) + ":", StringComparison.Ordinal));
            var survivor = silos.Single(s => s != victim);

            // Through both brokers (the twin's silo in place, the other through a grain call), then kill -9 the twin's silo at once.
            await PublishAcknowledgedAsync(victim, 2);
            await PublishAcknowledgedAsync(survivor, 3);
            await PublishAcknowledgedAsync(victim, 4);
            await victim.KillAsync();

            // The attacker replays what was captured, through the surviving silo: every one refused once the twin is back.
            await ClusterEndToEndTests.StatusAsync(ClusterModelLoader.Load(survivor.ClusterFile), s => s.Silos.Count(x => x.Status == "Active") == 1, "the killed silo declared dead");
            foreach (var seq in (long[])[4, 3, 2])
            {
                await PublishAcknowledgedAsync(survivor, seq);
            }

            await Eventually.HoldsAsync(() => Refusals(survivor, "replayed_sequence"), n => n >= 3, TimeSpan.FromSeconds(60), "the three replays refused after the failover");

            // The device's next reading is accepted by the re-activated twin.
            await PublishAcknowledgedAsync(survivor, 5, level: 9.9);
            await Eventually.HoldsAsync(() => CountFindings(survivor, "out_of_range"), n => n >= 1, TimeSpan.FromSeconds(60), "seq 5 accepted after the failover");
            Assert.Equal(3, Refusals(survivor, "replayed_sequence"));
        });
    }
}
