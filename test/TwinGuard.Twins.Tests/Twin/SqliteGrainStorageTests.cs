using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>
/// The single-node grain storage commits queued writes in batches off the caller: every write of many twins writing at
/// once is stored, a write from an activation that read an older version is still refused, and what was queued when
/// the storage is disposed (a silo stopping) is on disk.
/// </summary>
public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("twinguard-grainstorage-").FullName;
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private string Path_ => Path.Combine(_directory, "twins.db");

    private SqliteGrainStorage Open() => new(Path_, new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()));

    private static GrainId Twin(int i) => GrainId.Create("twin", $"asset-{i}");

    [Fact]
    public async Task WriteStateAsync_ManyTwinsAtOnce_EveryStateStoredWithItsVersion()
    {
        using var storage = Open();
        var states = Enumerable.Range(0, 300).Select(i => new GrainState<TwinStreamState>(new TwinStreamState { SavedAtMs = i })).ToArray();
        await Task.WhenAll(states.Select((s, i) => storage.WriteStateAsync("stream", Twin(i), s)));
        await Task.WhenAll(states.Select((s, i) => { s.State = new TwinStreamState { SavedAtMs = 1000 + i }; return storage.WriteStateAsync("stream", Twin(i), s); }));

        for (var i = 0; i < states.Length; i++)
        {
            Assert.Equal("2", states[i].ETag);
            var read = new GrainState<TwinStreamState>();
            await storage.ReadStateAsync("stream", Twin(i), read);
            Assert.True(read.RecordExists);
            Assert.Equal(1000 + i, read.State!.SavedAtMs);
            Assert.Equal("2", read.ETag);
        }
    }

    [Fact]
    public async Task WriteStateAsync_AnOlderVersion_IsRefusedAndTheNewerKept()
    {
        using var storage = Open();
        var first = new GrainState<TwinStreamState>(new TwinStreamState { SavedAtMs = 1 });
        await storage.WriteStateAsync("stream", Twin(1), first);
        var stale = new GrainState<TwinStreamState>(new TwinStreamState { SavedAtMs = 2 }) { ETag = first.ETag };
        first.State = new TwinStreamState { SavedAtMs = 3 };
        await storage.WriteStateAsync("stream", Twin(1), first);

        // The second activation read version 1; version 2 has been written since.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("stream", Twin(1), stale));
        var read = new GrainState<TwinStreamState>();
        await storage.ReadStateAsync("stream", Twin(1), read);
        Assert.Equal(3, read.State!.SavedAtMs);
    }

    [Fact]
    public async Task Dispose_WithWritesQueued_CommitsThemBeforeClosing()
    {
        Task[] writes;
        using (var storage = Open())
        {
            writes = [.. Enumerable.Range(0, 200).Select(i => storage.WriteStateAsync("stream", Twin(i), new GrainState<TwinStreamState>(new TwinStreamState { SavedAtMs = i })))];
        }

        await Task.WhenAll(writes);
        using var reopened = Open();
        for (var i = 0; i < 200; i++)
        {
            var read = new GrainState<TwinStreamState>();
            await reopened.ReadStateAsync("stream", Twin(i), read);
            Assert.Equal(i, read.State!.SavedAtMs);
        }
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
