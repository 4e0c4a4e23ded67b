using TwinGuard.Testing;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Record;

/// <summary>The record store contract on a real PostgreSQL started by the fixture (one new database per test).</summary>
public sealed class PostgresRecordStoreTests(PostgresServer server) : RecordStoreContract, IClassFixture<PostgresServer>
{
    private string _connectionString = string.Empty;

    [Fact]
    public void CollectPruned_SameRowsInSqliteAndPostgres_SameDigests()
    {
        var dir = Directory.CreateTempSubdirectory("twinguard-records-").FullName;
        try
        {
            using var sqlite = PlantStore.Open(dir);
            WriteDigestRows(sqlite);
            WriteDigestRows(Store);

            Assert.Equal(Digests(sqlite, 10), Digests(Store, 10));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Open_WrongPassword_ErrorNamesTheServerButNoPassword()
    {
        var wrong = _connectionString.Replace(PostgresServer.Password, "Wr0ng-secret-x9", StringComparison.Ordinal);

        var error = Assert.Throws<RecordStoreException>(() => PostgresRecordStore.Open(wrong));

        Assert.Contains("postgresql twinguard@127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Wr0ng-secret-x9", error.ToString(), StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void ClusterFile_RecordsWithPasswordFile_OpensAndPrintsNoPassword()
    {
        var dir = Directory.CreateTempSubdirectory("twinguard-cluster-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "pg.pass"), PostgresServer.Password + "\n");
            var withoutPassword = _connectionString.Replace($"Password={PostgresServer.Password}", string.Empty, StringComparison.Ordinal);
            var yaml = $"""
                cluster: {"{"} id: plant-a {"}"}
                membership: {"{"} redis: "127.0.0.1:6379" {"}"}
                silo: {"{"} address: 127.0.0.1, port: 11111, gateway_port: 30000 {"}"}
                records: {"{"} postgresql: "{withoutPassword}", password_file: pg.pass {"}"}
                """;

            var model = ClusterModelLoader.Parse(yaml, Path.Combine(dir, "cluster.yaml"));
            using var store = model.Records!.Open();

            Assert.Empty(store.Findings());
            Assert.DoesNotContain(PostgresServer.Password, model.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(PostgresServer.Password, store.Description, StringComparison.Ordinal);
            Assert.StartsWith("postgresql twinguard@127.0.0.1:", model.Records.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ClusterFile_MalformedRecordsString_ErrorAtItsLineWithoutQuotingIt()
    {
        var error = Assert.Throws<PlantModelException>(() => ClusterModelLoader.Parse("""
            cluster: { id: plant-a }
            membership: { redis: "127.0.0.1:6379" }
            silo: { address: 127.0.0.1, port: 11111, gateway_port: 30000 }
            records: { postgresql: "Host=db;Password=Hunter2-secret;Bogus Key=1" }
            """));

        Assert.Contains(":4:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2-secret", error.Message, StringComparison.Ordinal);
    }

    protected override async Task<IRecordStore> OpenNewAsync()
    {
        _connectionString = await server.NewDatabaseAsync();
        return PostgresRecordStore.Open(_connectionString);
    }

    protected override IRecordStore OpenAnother() => PostgresRecordStore.Open(_connectionString);
}
