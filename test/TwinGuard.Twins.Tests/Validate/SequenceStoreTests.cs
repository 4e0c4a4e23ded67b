using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Tests.Validate;

/// <summary>Replay protection across restarts: the last numbers survive closing and reopening the store.</summary>
public sealed class SequenceStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("twinguard-sequences-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_AfterReopen_ReturnsTheLastNumbersFlushed()
    {
        using (var store = SequenceStore.Open(_directory))
        {
            store.Note("tank1", "tank-gateway", 1, 399);
            store.Note("tank1", "tank-gateway", 1, 400);
            store.Note("pump1", "vibration-node", 3, 7);
            Assert.Equal(2, store.Flush());
        }

        using var reopened = SequenceStore.Open(_directory);
        Assert.Equal((1L, 400L), reopened.Load("tank1")["tank-gateway"]);
        Assert.Equal((3L, 7L), reopened.Load("pump1")["vibration-node"]);
        Assert.Empty(reopened.Load("conveyor1"));
    }

    [Fact]
    public void Flush_NothingNotedSinceTheLast_WritesNothingThenOnlyTheNewerNumbers()
    {
        using var store = SequenceStore.Open(_directory);
        store.Note("tank1", "tank-gateway", 1, 400);
        store.Note("pump1", "vibration-node", 3, 7);
        Assert.Equal(2, store.Flush());

        Assert.Equal(0, store.Flush());

        store.Note("tank1", "tank-gateway", 1, 401);
        Assert.Equal(1, store.Flush());
        Assert.Equal((1L, 401L), store.Load("tank1")["tank-gateway"]);
        Assert.Equal((3L, 7L), store.Load("pump1")["vibration-node"]);
    }

    [Fact]
    public void Dispose_WithUnflushedChanges_WritesThem()
    {
        using (var store = SequenceStore.Open(_directory))
        {
            store.Note("tank1", "tank-gateway", 2, 5);
        }

        using var reopened = SequenceStore.Open(_directory);
        Assert.Equal((2L, 5L), reopened.Load("tank1")["tank-gateway"]);
    }

    [Fact]
    public void CheckMessage_ValidatorSeededFromTheStore_RefusesAReplayFromBeforeTheRestart()
    {
        using (var store = SequenceStore.Open(_directory))
        {
            store.Note("tank1", "tank-gateway", 1, 400);
        }

        using var reopened = SequenceStore.Open(_directory);
        var validator = new ReadingValidator(SamplePlant.Load().FindAsset("tank1")!, SamplePlant.Load().Validation, reopened.Load("tank1"));

        var replay = validator.CheckMessage("tank-gateway", 1, 380, 1_000, 1_000);
        var next = validator.CheckMessage("tank-gateway", 1, 401, 1_000, 1_000);

        Assert.Equal(ReasonCode.ReplayedSequence, replay?.Reason);
        Assert.Null(next);
    }

    [Fact]
    public async Task WhenDurableAsync_ManyNotesFromManyThreads_EveryOneKeptWhenItCompletes()
    {
        using var store = SequenceStore.Open(_directory);
        var waits = await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var seq = 1; seq <= 50; seq++)
            {
                store.Note("tank1", "device" + t, 1, seq);
                await store.WhenDurableAsync();
                using var table = SqliteSequenceTable.Open(_directory); // another connection: what is on disk
                if (table.Read("tank1")["device" + t].Sequence < seq)
                {
                    return seq;
                }
            }

            return 0;
        })));

        Assert.All(waits, firstMissing => Assert.Equal(0, firstMissing));
    }
}
