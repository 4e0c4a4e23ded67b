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

    [Fact]
    public void ReserveIds_AfterDispose_FailsInsteadOfReopening()
    {
        // The record stage reserves its next block of ids on a pool thread, which may run after the store is disposed.
        var store = PlantStore.Open(_dir);
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.ReserveIds("findings", 1));
    }

    protected override Task<IRecordStore> OpenNewAsync() => Task.FromResult<IRecordStore>(PlantStore.Open(_dir));

    protected override IRecordStore OpenAnother() => PlantStore.Open(_dir);
}
