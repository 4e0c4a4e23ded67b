using StackExchange.Redis;
using TwinGuard.Server.Hosting;
using TwinGuard.Server.Hosting.Cluster;
using TwinGuard.Twins.Validate;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// The two places sequence numbers are kept, held to one contract: a single node's <c>sequences.db</c> and a cluster's
/// Redis (started by the test). Later numbers win over later writes, and what one store kept another store on the same
/// table reads (another silo, or the next run).
/// </summary>
public sealed class SequenceTableContractTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("twinguard-seq-table-").FullName;
    private RedisServer? _redis;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis!.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public static TheoryData<string> Tables => new() { "sqlite", "redis" };

    private ISequenceTable Open(string kind, string service) => kind == "sqlite"
        ? SqliteSequenceTable.Open(Path.Combine(_directory, service))
        : new RedisSequenceTable(ConnectionMultiplexer.Connect(SiloHosting.RedisOptions(_redis!.Configuration)), service);

    [Theory]
    [MemberData(nameof(Tables))]
    public void Write_OlderNumbersAfterNewer_KeepsTheLater(string kind)
    {
        using var table = Open(kind, "later");
        table.Write([new SequenceChange("tank1", "gw", 2, 5), new SequenceChange("pump1", "plc", 1, long.MaxValue)]);
        table.Write([new SequenceChange("tank1", "gw", 1, 900), new SequenceChange("tank1", "gw", 2, 4), new SequenceChange("pump1", "plc", 1, -3)]);
        table.Write([new SequenceChange("tank1", "other", -1, -7)]);

        Assert.Equal((2L, 5L), table.Read("tank1")["gw"]);
        Assert.Equal((-1L, -7L), table.Read("tank1")["other"]);
        Assert.Equal((1L, long.MaxValue), table.Read("pump1")["plc"]);
        Assert.Empty(table.Read("conveyor1"));

        table.Write([new SequenceChange("tank1", "gw", 3, 0)]);
        Assert.Equal((3L, 0L), table.Read("tank1")["gw"]);
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task WhenDurableAsync_NotedOnOneStore_ReadByAnotherOnTheSameTable(string kind)
    {
        using var silo = new SequenceStore(Open(kind, "shared"));
        using var other = new SequenceStore(Open(kind, "shared"));
        silo.Note("tank1", "gw", 1, 41);
        silo.Note("tank1", "gw", 1, 42);
        Assert.Empty(other.Load("tank1")); // noted is not kept yet

        await silo.WhenDurableAsync();

        Assert.Equal((1L, 42L), other.Load("tank1")["gw"]);
    }
}
