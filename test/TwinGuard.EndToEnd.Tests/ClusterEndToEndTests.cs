using System.Diagnostics;
using System.Globalization;
using TwinGuard.Server.Commands;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using Xunit.Abstractions;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// Three <c>twinguard serve --cluster</c> processes with Redis membership and grain state, started by the test: readings
/// reach a twin through any silo's broker, a finding is raised once (by the one activation of its twin), the cluster's one
/// ledger (one sequencer) verifies and holds every silo's readings, and when the silo holding a twin is killed (-9) the twin is activated on another silo with its learned
/// state (a replay from before the kill is still refused) and attacks are still detected. A device quarantined on one
/// silo is refused by the others' brokers.
/// </summary>
public sealed class ClusterEndToEndTests(ITestOutputHelper output)
{
    private static string Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    internal static string Tank(long seq, double level, double temperature = 24.5) =>
        string.Create(CultureInfo.InvariantCulture, $$$"""{"ts":{{{Now()}}},"seq":{{{seq}}},"values":{"level":{{{level}}},"fluid_temp":{{{temperature}}}}}""");

    internal static string Speed() => string.Create(CultureInfo.InvariantCulture, $$$"""{"ts":{{{Now()}}},"seq":{{{Environment.TickCount64}}},"value":1500}""");

    internal static int CountFindings(SiloProcess silo, string reason, string asset)
    {
        if (!File.Exists(Path.Combine(silo.DataDirectory, PlantStore.FileName)))
        {
            return 0;
        }

        using var store = PlantStore.Open(silo.DataDirectory, readOnly: true);
        // Repeats within the fold window are one stored finding with its occurrences.
        return store.Findings(asset: asset).Where(f => f.Reason == reason).Sum(f => f.Occurrences);
    }

    internal static async Task<ClusterStatus> StatusAsync(ClusterModel cluster, Func<ClusterStatus, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            ClusterStatus? status = null;
            try
            {
                status = await ClusterCommand.QueryAsync(cluster, timeout.Token);
            }
            catch (CommandLineException) when (DateTime.UtcNow < deadline)
            {
                // no gateway answered yet
            }

            if (status is not null && condition(status))
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Cluster_ThreeSilos_FindingsOnceLedgersVerify_AndAKilledSilosTwinResumesElsewhere()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        // The cluster's one ledger on storage every silo reaches (here a directory of this machine).
        var sharedLedger = Path.Combine(Directory.CreateTempSubdirectory("twinguard-cluster-ledger-").FullName, "ledger");
        var silos = await SiloProcess.StartAllAsync(3, () => SiloProcess.StartAsync(ServedSite.SamplePlantPath, redis.Configuration, clusterId, TimeSpan.FromMilliseconds(500), sharedLedger));
        await SiloProcess.RunAsync(silos, output, async () =>
        {
            var cluster = ClusterModelLoader.Load(silos[0].ClusterFile);
            await StatusAsync(cluster, s => s.Silos.Count(x => x.Status == "Active") == 3, "three active silos");

            // One reading through each silo's broker: tank1's twin lives on one silo, whichever broker the device uses.
            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[0].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", Tank(1, 1.2))).ExitCode);
            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[1].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", Tank(2, 9.5))).ExitCode);
            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[2].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", Tank(3, 1.2, temperature: 150))).ExitCode);

            // Two out-of-range values (on two signals, so that they are not folded into one finding): two findings in the
            // whole cluster, all raised by the one activation of tank1's twin, not one per silo.
            await Eventually.HoldsAsync(() => silos.Sum(s => CountFindings(s, "out_of_range", "tank1")), n => n >= 2, TimeSpan.FromSeconds(60), "two out_of_range findings");
            var status = await StatusAsync(cluster, s => s.Silos.Any(x => x.TwinIds.Contains("tank1")), "tank1's twin in the status");
            Assert.Equal(3, status.Silos.Count(x => x.Status == "Active"));
            Assert.Equal(1, status.Silos.Count(x => x.TwinIds.Contains("tank1")));
            Assert.Equal(2, silos.Sum(s => CountFindings(s, "out_of_range", "tank1")));
            Assert.Single(silos, s => CountFindings(s, "out_of_range", "tank1") > 0);

            // A quarantine decided on one silo (an operator's, through silo 0's store) refuses the device at every silo's broker.
            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[2].MqttPort, "loop-plc", "demo-loop-plc", "plant/pump1/speed", Speed())).ExitCode);
            var quarantined = await TwinGuardExecutable.RunAsync(
                ["quarantine", "add", "--data-dir", silos[0].DataDirectory, "--kind", "source", "--target", "loop-plc", "--who", "test", "--why", "cluster-wide quarantine"], TimeSpan.FromSeconds(60));
            Assert.True(quarantined.Code == 0, quarantined.Error);
            var decided = Stopwatch.StartNew();
            foreach (var other in silos.Skip(1))
            {
                await Eventually.HoldsAsync(() => MosquittoPub.PublishAsync(other.MqttPort, "loop-plc", "demo-loop-plc", "plant/pump1/speed", Speed()).GetAwaiter().GetResult().ExitCode,
                    code => code != 0, TimeSpan.FromSeconds(30), "the quarantined device refused by another silo's broker");
            }

            var propagated = decided.Elapsed;

            // tank1's learned state is in Redis once the twin's snapshot ran.
            await Eventually.HoldsAsync(() => redis.CliAsync("--scan", "--pattern", "*tank1*").GetAwaiter().GetResult(), keys => keys.Contains("tank1", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "tank1's state in Redis");

            // Kill -9 the silo that holds tank1.
            var holder = status.Silos.Single(x => x.TwinIds.Contains("tank1"));
            // Orleans writes a silo address as S<ip>:<port>:<generation>.
            var victim = silos.Single(s => holder.Address.Contains(
                "127.0.0.1:" + ClusterModelLoader.Load(s.ClusterFile).SiloPort.ToString(CultureInfo.InvariantCulture) + ":", StringComparison.Ordinal));
            var survivors = silos.Where(s => s != victim).ToList();
            var killed = Stopwatch.StartNew();
            await victim.KillAsync();
            var survivorCluster = ClusterModelLoader.Load(survivors[0].ClusterFile);
            await StatusAsync(survivorCluster, s => s.Silos.Count(x => x.Status == "Active") == 2, "the killed silo declared dead");
            var declaredDead = killed.Elapsed;

            // A message recorded before the kill, replayed through a surviving silo: refused, so the twin re-activated
            // with the sequence numbers it had learned (a fresh twin would have accepted it).
            Assert.Equal(0, (await MosquittoPub.PublishAsync(survivors[0].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", Tank(1, 1.2))).ExitCode);
            await Eventually.HoldsAsync(() => survivors.Sum(s => CountFindings(s, "replayed_sequence", "tank1")), n => n >= 1, TimeSpan.FromSeconds(60), "the replay refused after failover");
            // And an attack after the failover is detected.
            Assert.Equal(0, (await MosquittoPub.PublishAsync(survivors[1].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", Tank(100, 9.9))).ExitCode);
            await Eventually.HoldsAsync(() => survivors.Sum(s => CountFindings(s, "out_of_range", "tank1")), n => n >= 1, TimeSpan.FromSeconds(60), "an out_of_range finding after failover");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"quarantine stored on silo 0 -> refused by silos 1 and 2 within {propagated.TotalSeconds:F2} s (silo 0 polls its store every 1 s); silo killed -> declared dead {declaredDead.TotalSeconds:F1} s; -> first finding of the re-activated twin {killed.Elapsed.TotalSeconds:F1} s"));

            // The cluster's one ledger, written by one sequencer before and after the kill, verifies after an orderly
            // stop, and holds the readings acknowledged through every silo, the post-failover attack included.
            foreach (var silo in survivors)
            {
                await silo.StopAsync();
            }

            var verification = Ledger.Verification.LedgerVerifier.Verify(sharedLedger);
            Assert.True(verification.Ok, verification.Problem?.Message);
            using var reader = Ledger.LedgerReader.Open(sharedLedger);
            var payloads = reader.ReadEntries(0, (int)reader.CountEntries())
                .Where(e => e.Kind == Ledger.LedgerEntryKind.ReadingBatch)
                .Select(e => System.Text.Encoding.UTF8.GetString(e.Payload.Span))
                .ToList();
            foreach (var seq in (int[])[1, 2, 3, 100])
            {
                Assert.Contains(payloads, p => p.Contains("\"asset\":\"tank1\"", StringComparison.Ordinal) && p.Contains($"\"seq\":{seq},", StringComparison.Ordinal));
            }

            Assert.Contains(payloads, p => p.Contains("\"device\":\"loop-plc\"", StringComparison.Ordinal));
        });
    }
}
