using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Tests.Access;

/// <summary>The operator store contract on a real PostgreSQL started by the fixture (one new database per test): a cluster's store.</summary>
public sealed class PostgresOperatorStoreTests(PostgresServer server) : OperatorStoreContract, IClassFixture<PostgresServer>
{
    private string _connectionString = string.Empty;

    public override async Task InitializeAsync() => _connectionString = await server.NewDatabaseAsync();

    protected override RecordsDatabase OpenDatabase() => RecordsDatabase.OpenPostgres(_connectionString);
}
