using TwinGuard.Testing;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>The response store contract on a real PostgreSQL started by the fixture (one new database per test): a cluster's store.</summary>
public sealed class PostgresResponseStoreTests(PostgresServer server) : ResponseStoreContract, IClassFixture<PostgresServer>
{
    private string _connectionString = string.Empty;

    public override async Task InitializeAsync() => _connectionString = await server.NewDatabaseAsync();

    protected override ResponseStore OpenStore(TimeProvider time) => ResponseStore.Open(RecordsDatabase.OpenPostgres(_connectionString), time);

    protected override IRecordStore OpenRecords() => PostgresRecordStore.Open(_connectionString);
}
