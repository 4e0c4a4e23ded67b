using System.Net;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

public sealed class ClusterModelLoaderTests
{
    [Fact]
    public void Parse_FullFile_ReadsEveryField()
    {
        var cluster = ClusterModelLoader.Parse("""
            cluster: { id: plant-a, service: tg }
            membership: { redis: "10.0.0.5:6379" }
            grain_storage: { redis: "10.0.0.6:6379" }
            silo: { address: 10.0.0.11, port: 11111, gateway_port: 30000 }
            persistence: { snapshot_every: 2s }
            """);

        Assert.Equal(new ClusterModel("plant-a", "tg", "10.0.0.5:6379", "10.0.0.6:6379", IPAddress.Parse("10.0.0.11"), 11111, 30000, TimeSpan.FromSeconds(2)), cluster);
    }

    [Fact]
    public void Parse_LedgerAndPersistenceOff_LedgerRelativeToTheFile()
    {
        var cluster = ClusterModelLoader.Parse("""
            cluster: { id: plant-a }
            membership: { redis: "10.0.0.5:6379" }
            silo: { address: 10.0.0.11, port: 11111, gateway_port: 30000 }
            persistence: { enabled: false }
            ledger: { directory: shared/ledger }
            """, "/etc/twinguard/cluster.yaml");

        Assert.False(cluster.PersistenceEnabled);
        Assert.Equal(TimeSpan.FromSeconds(10), cluster.SnapshotEvery);
        Assert.Equal("/etc/twinguard/shared/ledger", cluster.LedgerDirectory);
        Assert.Null(ClusterModelLoader.Parse("cluster: { id: a }\nmembership: { redis: r }\nsilo: { address: 10.0.0.1, port: 1, gateway_port: 2 }\n").LedgerDirectory);
    }

    [Theory]
    [InlineData("cluster: { id: a }\nmembership: { redis: r }\nsilo: { address: 10.0.0.1, port: 1, gateway_port: 2 }\npersistence: { enabled: maybe }\n", "cluster.yaml:4:25: persistence.enabled: expected true or false")]
    [InlineData("cluster: { id: a }\nmembership: { redis: r }\nsilo: { address: 10.0.0.1, port: 1, gateway_port: 2 }\nrecords: { postgresql: x }\n", "cluster.yaml:4:24: records.postgresql: expected an Npgsql connection string")]
    [InlineData("cluster: { id: a }\nmembership: { redis: r }\nsilo: { address: 10.0.0.1, port: 1, gateway_port: 2 }\nrecords: { postgresql: \"Host=db\" }\n", "cluster.yaml:4:24: records.postgresql: the connection string needs Host and Database")]
    [InlineData("cluster: { id: a }\nmembership: { redis: r }\nsilo: { address: somewhere, port: 1, gateway_port: 2 }\n", "cluster.yaml:3:18: silo.address: expected an IP address")]
    [InlineData("cluster: { id: a }\nmembership: { redis: r }\nsilo: { address: 10.0.0.1, port: 70000, gateway_port: 2 }\n", "cluster.yaml:3:34: silo.port: expected a port up to 65535")]
    public void Parse_BadFile_SaysWhereAndWhat(string yaml, string expected)
    {
        var error = Assert.Throws<PlantModelException>(() => ClusterModelLoader.Parse(yaml));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }
}
