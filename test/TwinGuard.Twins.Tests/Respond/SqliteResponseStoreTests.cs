using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>The response store contract on a SQLite file (a single node's <c>twinguard.db</c>).</summary>
public sealed class SqliteResponseStoreTests : ResponseStoreContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-respond-store-").FullName;

    public override Task InitializeAsync() => Task.CompletedTask;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    protected override ResponseStore OpenStore(TimeProvider time) => ResponseStore.Open(_dir, time);

    protected override IRecordStore OpenRecords() => PlantStore.Open(_dir);
}
