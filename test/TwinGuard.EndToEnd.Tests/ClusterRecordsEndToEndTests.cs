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
/// every silo proves entries from the cluster's one ledger, not its own.
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
            silos.AddRange(Enumerable.Range(0, 2).Select(_ =>
                SiloProcess.Start(ServedSite.SamplePlantPath, redis.Configuration, clusterId, TimeSpan.FromSeconds(1), sharedLedger, (withoutPassword, PostgresServer.Password))));
            await ClusterEndToEndTests.StatusAsync(ClusterModelLoader.Load(silos[0].ClusterFile), s => s.Silos.Count(x => x.Status == "Active") == 2, "two active silos");

            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[0].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", ClusterEndToEndTests.Tank(1, 1.2))).ExitCode);
            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[1].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", ClusterEndToEndTests.Tank(2, 9.5))).ExitCode);
            Assert.Equal(0, (await MosquittoPub.PublishAsync(silos[0].MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1", ClusterEndToEndTests.Tank(3, 1.2, temperature: 150))).ExitCode);

            using var store = PostgresRecordStore.Open(connection);
            int OutOfRange() => store.Findings(asset: "tank1").Where(f => f.Reason == "out_of_range").Sum(f => f.Occurrences);
            try
            {
                await Eventually.HoldsAsync(OutOfRange, n => n >= 2, TimeSpan.FromSeconds(90), "two out_of_range findings in PostgreSQL");
            }
            catch (TimeoutException ex)
            {
                var stored = string.Join("; ", store.Findings().Select(f => $"{f.Id} {f.Reason} {f.AssetId}.{f.SignalId}"));
                throw new TimeoutException($"{ex.Message}; stored: {stored}; silo 0: {silos[0].Output}; silo 1: {silos[1].Output}", ex);
            }
            // One activation of tank1's twin raised both, whichever broker the readings came through: two, not two per silo.
            Assert.Equal(2, OutOfRange());
            var ids = store.Findings().Select(f => f.Id).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());

            // Silo 1's API proves entry 0 of the cluster's ledger (silo 1's own directory holds no such entry).
            var proof = await ProofOfFirstEntryAsync(silos[1]);
            Assert.True(proof.GetProperty("verified").GetBoolean());
            using (var shared = LedgerReader.Open(sharedLedger))
            {
                Assert.Equal(Convert.ToHexStringLower(shared.ReadEntry(0).ComputeLeafHash()), proof.GetProperty("leafHash").GetString());
            }

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

    /// <summary>GET <c>/api/ledger/entries/0/proof</c> with a viewer key made in the silo's data directory, once a checkpoint is signed.</summary>
    private static async Task<JsonElement> ProofOfFirstEntryAsync(SiloProcess silo)
    {
        var made = await TwinGuardExecutable.RunAsync(["keys", "create", "--role", "viewer", "--data-dir", silo.DataDirectory, "--json"], TimeSpan.FromSeconds(60));
        Assert.True(made.Code == 0, made.Error);
        using var http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{silo.HttpPort}")) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", JsonDocument.Parse(made.Output).RootElement.GetProperty("token").GetString());
        var answer = await Eventually.HoldsAsync(
            () => http.GetAsync(new Uri("/api/ledger/entries/0/proof", UriKind.Relative)).GetAwaiter().GetResult(), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(60), "a proof from the cluster's ledger");
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
