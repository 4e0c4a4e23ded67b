using System.Globalization;
using System.Text;
using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Testing;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// Two <c>serve --cluster</c> silos whose records are in one PostgreSQL (started by the test, password authentication,
/// the password in a file the cluster file names): findings raised through either silo's broker are stored once, in the
/// shared store, with ids no two silos share; the password appears in no output, log, ledger or data file. The API of
/// every silo proves entries from the cluster's one ledger, not its own. The CLI given the cluster file reads those rows and
/// makes keys and quarantines there; a quarantine stored there holds on a silo started afterwards.
/// </summary>
public sealed class ClusterRecordsEndToEndTests
{
    [Fact]
    public async Task Cluster_PostgresRecords_FindingsStoredOnceInTheSharedStore_PasswordNowhere()
    {
        await using var redis = await RedisServer.StartAsync();
        var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        var silos = new List<SiloProcess>();
        try
        {
            var connection = await postgres.NewDatabaseAsync();
            var withoutPassword = connection.Replace($"Password={PostgresServer.Password};", string.Empty, StringComparison.Ordinal);
            var clusterId = "records-" + Guid.NewGuid().ToString("N")[..8];
            var sharedLedger = Path.Combine(Directory.CreateTempSubdirectory("twinguard-cluster-ledger-").FullName, "ledger");
            silos.AddRange(await SiloProcess.StartAllAsync(2, () =>
                SiloProcess.StartAsync(ServedSite.SamplePlantPath, redis.Configuration, clusterId, TimeSpan.FromSeconds(1), sharedLedger, (withoutPassword, PostgresServer.Password))));
            await ClusterEndToEndTests.StatusAsync(ClusterModelLoader.Load(silos[0].ClusterFile), s => s.Silos.Count(x => x.Status == "Active") == 2, "two active silos");

            using var store = PostgresRecordStore.Open(connection);
            int OutOfRange() => store.Findings(asset: "tank1").Where(f => f.Reason == "out_of_range").Sum(f => f.Occurrences);
            async Task AwaitOutOfRangeAsync(int count)
            {
                try
                {
                    await Eventually.HoldsAsync(OutOfRange, n => n >= count, TimeSpan.FromSeconds(90), $"{count} out_of_range finding(s) in PostgreSQL");
                }
                catch (TimeoutException ex)
                {
                    var stored = string.Join("; ", store.Findings().Select(f => $"{f.Id} {f.Reason} {f.AssetId}.{f.SignalId}"));
                    throw new TimeoutException($"{ex.Message}; stored: {stored}; silo 0: {silos[0].Output}; silo 1: {silos[1].Output}", ex);
                }
            }

            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[0].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", ClusterEndToEndTests.Tank(1, 1.2))).ExitCode);
            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[1].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", ClusterEndToEndTests.Tank(2, 9.5))).ExitCode);
            // A PUBACK means "in the ledger", not "seen by the twin": each silo's lane hands its readings to the twin on
            // its own, so seq 3 sent through silo 0 now could reach the twin before seq 2 from silo 1 and make seq 2 a
            // replay (the flake at high load: one finding of two). The twin has taken seq 2 once its finding is stored.
            await AwaitOutOfRangeAsync(1);
            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[0].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", ClusterEndToEndTests.Tank(3, 1.2, temperature: 150))).ExitCode);
            await AwaitOutOfRangeAsync(2);

            // One activation of tank1's twin raised both, whichever broker the readings came through: two, not two per silo.
            Assert.Equal(2, OutOfRange());
            var ids = store.Findings().Select(f => f.Id).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());

            // The CLI given the cluster file reads the same rows as the API (not a silo's data directory).
            var listed = await TwinGuardExecutable.RunAsync(["findings", "--cluster", silos[1].ClusterFile, "--json"], TimeSpan.FromSeconds(60));
            Assert.True(listed.Code == 0, listed.Error);
            // The twin may raise more findings meanwhile (the readings stopped: staleness): the CLI lists every row stored
            // before it ran and none that is not in the store after it, newest first as the store does.
            var listedIds = JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().Select(f => f.GetProperty("id").GetInt64()).ToList();
            var storedAfter = store.Findings().Select(f => f.Id).ToList();
            Assert.Subset(listedIds.ToHashSet(), ids.ToHashSet());
            Assert.Subset(storedAfter.ToHashSet(), listedIds.ToHashSet());
            Assert.Equal(storedAfter.Where(listedIds.Contains), listedIds);
            // The incident opens from the findings after they are stored (the correlate stage): wait for it before listing.
            await Eventually.HoldsAsync(() => store.Incidents().Count, n => n > 0, TimeSpan.FromSeconds(30), "the findings' incident stored");
            var incidents = await TwinGuardExecutable.RunAsync(["incidents", "--cluster", silos[0].ClusterFile, "--json"], TimeSpan.FromSeconds(60));
            Assert.True(incidents.Code == 0, incidents.Error);
            Assert.Equal(store.Incidents().Select(i => i.Id), JsonDocument.Parse(incidents.Output).RootElement.EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));

            // Silo 1's API proves entry 0 of the cluster's ledger (silo 1's own directory holds no such entry).
            var proof = await ProofOfFirstEntryAsync(silos[1]);
            Assert.True(proof.GetProperty("verified").GetBoolean());
            using (var shared = LedgerReader.Open(sharedLedger))
            {
                Assert.Equal(Convert.ToHexStringLower(shared.ReadEntry(0).ComputeLeafHash()), proof.GetProperty("leafHash").GetString());
            }

            // Every silo's /api/compliance reports on the cluster's one ledger, with the cluster's key store: the same
            // report whichever silo is asked (its own data directory's ledger holds none of the cluster's entries).
            // The evidence ends at the newest signed checkpoint (the log's unsigned tail grows meanwhile, and the
            // verification's size with it): two reports between the same two signings are the same report.
            static long Signed(JsonElement report) => report.GetProperty("checkpoint").GetProperty("treeSize").GetInt64();
            // The viewer keys are made once: making one appends to the ledger, and so brings a new checkpoint 10 s later,
            // which fell between the two reports of every try at load 140 (silo 0 at checkpoint 19, silo 1 at 20, for 60 s).
            using var viewer0 = await ViewerAsync(silos[0]);
            using var viewer1 = await ViewerAsync(silos[1]);
            var (first, second) = await Eventually.HoldsAsync(
                async () => (await ComplianceReportAsync(viewer0), await ComplianceReportAsync(viewer1)),
                r => Signed(r.Item1) == Signed(r.Item2), TimeSpan.FromSeconds(180), "two silos reporting on the same checkpoint");
            using (var shared = LedgerReader.Open(sharedLedger))
            {
                Assert.InRange(Signed(first), proof.GetProperty("checkpoint").GetProperty("treeSize").GetInt64(), shared.LatestCheckpoint!.TreeSize);
            }

            Assert.True(first.GetProperty("ledger").GetProperty("verified").GetBoolean());
            Assert.Equal(first.GetProperty("ledger").GetProperty("origin").GetString(), second.GetProperty("ledger").GetProperty("origin").GetString());
            // Every piece of evidence is the same whichever silo answers, the ledger's verification too: it is stated as
            // of the report's checkpoint (its size, root and checkpoints), not of the unsigned tail that grows meanwhile.
            foreach (var part in new[] { "ledger", "checkpoint", "period", "summary", "controls", "citations" })
            {
                Assert.Equal(first.GetProperty(part).GetRawText(), second.GetProperty(part).GetRawText());
            }

            // The key store named is the cluster's PostgreSQL (the apostrophe of "cluster's" is escaped in the JSON).
            Assert.Contains("records store (postgresql ", first.GetProperty("controls").GetRawText(), StringComparison.Ordinal);

            // A quarantine written into the cluster's store holds on a silo that starts afterwards with an empty data
            // directory (as a restarted silo on a new machine would): it is restored from PostgreSQL before its broker opens.
            var quarantined = await TwinGuardExecutable.RunAsync(
                ["quarantine", "add", "--cluster", silos[0].ClusterFile, "--kind", "source", "--target", "tank-gateway", "--who", "test", "--why", "shared store"], TimeSpan.FromSeconds(60));
            Assert.True(quarantined.Code == 0, quarantined.Error);
            silos.Add(await SiloProcess.StartAsync(ServedSite.SamplePlantPath, redis.Configuration, clusterId, TimeSpan.FromSeconds(1), sharedLedger, (withoutPassword, PostgresServer.Password)));
            await ClusterEndToEndTests.StatusAsync(ClusterModelLoader.Load(silos[0].ClusterFile), s => s.Silos.Count(x => x.Status == "Active") == 3, "three active silos");
            await Eventually.HoldsAsync(() => MosquittoPub.PublishAsync(silos[2].MqttPort, "loop-plc", "demo-loop-plc", "plant/pump1/speed", ClusterEndToEndTests.Speed()).GetAwaiter().GetResult().ExitCode,
                code => code == 0, TimeSpan.FromSeconds(60), "the new silo's broker taking another device's reading");
            var refused = await MosquittoPub.PublishAsync(silos[2].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", ClusterEndToEndTests.Tank(4, 1.2));
            Assert.True(refused.ExitCode != 0, "the new silo's broker took a reading of the quarantined source");

            foreach (var silo in silos)
            {
                await silo.StopAsync();
                Assert.DoesNotContain(PostgresServer.Password, silo.Output, StringComparison.Ordinal);
                foreach (var file in Directory.EnumerateFiles(silo.DataDirectory, "*", SearchOption.AllDirectories))
                {
                    var bytes = await File.ReadAllBytesAsync(file);
                    Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(PostgresServer.Password)) < 0, $"the password is in {file}");
                }
            }
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }

            await postgres.DisposeAsync();
        }
    }

    /// <summary>GET <c>/api/ledger/entries/0/proof</c> with a viewer key made in the cluster's store, once a checkpoint is signed.</summary>
    private static async Task<JsonElement> ProofOfFirstEntryAsync(SiloProcess silo)
    {
        using var http = await ViewerAsync(silo);
        var answer = await Eventually.HoldsAsync(
            () => http.GetAsync(new Uri("/api/ledger/entries/0/proof", UriKind.Relative)).GetAwaiter().GetResult(), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(60), "a proof from the cluster's ledger");
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>GET <c>/api/compliance/report</c> (IEC 62443-3-3, JSON) through a silo's API (<paramref name="http"/>, a viewer of it).</summary>
    private static async Task<JsonElement> ComplianceReportAsync(HttpClient http)
    {
        using var answer = await http.GetAsync(new Uri("/api/compliance/report?standard=iec62443-3-3", UriKind.Relative));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"silo's /api/compliance/report answered {(int)answer.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>An API client of <paramref name="silo"/> with a viewer key made in the cluster's store.</summary>
    private static async Task<HttpClient> ViewerAsync(SiloProcess silo)
    {
        // The silos' keys are the cluster's (in PostgreSQL): made through the cluster file, not a data directory.
        var made = await TwinGuardExecutable.RunAsync(["keys", "create", "--role", "viewer", "--cluster", silo.ClusterFile, "--json"], TimeSpan.FromSeconds(60));
        Assert.True(made.Code == 0, made.Error);
        var http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{silo.HttpPort}")) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", JsonDocument.Parse(made.Output).RootElement.GetProperty("token").GetString());
        return http;
    }
}
