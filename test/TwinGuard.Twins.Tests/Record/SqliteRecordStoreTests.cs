using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Record;

/// <summary>The record store contract on a SQLite file (the single-node store).</summary>
public sealed class SqliteRecordStoreTests : RecordStoreContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-records-").FullName;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    protected override Task<IRecordStore> OpenNewAsync() => Task.FromResult<IRecordStore>(PlantStore.Open(_dir));

    protected override IRecordStore OpenAnother() => PlantStore.Open(_dir);
}
