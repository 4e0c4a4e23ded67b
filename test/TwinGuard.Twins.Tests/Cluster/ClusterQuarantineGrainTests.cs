using TwinGuard.Twins.Cluster;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Tests.Twin;

namespace TwinGuard.Twins.Tests.Cluster;

/// <summary>The cluster's quarantine list as a grain: changes in order, a long poll answered by a publish, holds for a silo behind.</summary>
[Collection(TwinClusterCollection.Name)]
public sealed class ClusterQuarantineGrainTests(TwinClusterFixture fixture)
{
    private IClusterQuarantineGrain NewGrain() => fixture.Cluster.GrainFactory.GetGrain<IClusterQuarantineGrain>("site-" + Guid.NewGuid().ToString("N"));

    private static QuarantineChange Change(QuarantineChangeKind kind, string target, string origin = "silo-a") => new(kind, target, origin, 0);

    [Fact]
    public async Task WaitForChangesAsync_AfterPublishes_ReturnsThemInOrderWithVersions()
    {
        var grain = NewGrain();
        Assert.Equal(2, await grain.PublishAsync([Change(QuarantineChangeKind.AddDevice, "plc-1"), Change(QuarantineChangeKind.AddSignal, "tank1/level")]));
        Assert.Equal(3, await grain.PublishAsync([Change(QuarantineChangeKind.ReleaseDevice, "plc-1", "silo-b")]));

        var update = await grain.WaitForChangesAsync(1, TimeSpan.FromSeconds(5));

        Assert.False(update.IsSnapshot);
        Assert.Equal(3, update.Version);
        Assert.Equal([(2L, QuarantineChangeKind.AddSignal), (3L, QuarantineChangeKind.ReleaseDevice)], update.Changes.Select(c => (c.Version, c.Kind)));
        Assert.Equal("silo-b", update.Changes[1].Origin);
    }

    [Fact]
    public async Task WaitForChangesAsync_NothingNew_IsAnsweredByTheNextPublish()
    {
        var grain = NewGrain();
        await grain.PublishAsync([Change(QuarantineChangeKind.AddAsset, "tank1")]);

        // Waits up to 20 s; the publish below must answer it long before (the test fails on the 10 s deadline otherwise).
        var waiting = grain.WaitForChangesAsync(1, TimeSpan.FromSeconds(20));
        Assert.False(waiting.IsCompleted);
        await grain.PublishAsync([Change(QuarantineChangeKind.Disconnect, "plc-2")]);
        var update = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, update.Version);
        Assert.Equal("plc-2", Assert.Single(update.Changes).Target);
    }

    [Fact]
    public async Task WaitForChangesAsync_SiloAheadOfTheState_GetsTheHoldsInForce()
    {
        var grain = NewGrain();
        await grain.PublishAsync([
            Change(QuarantineChangeKind.AddDevice, "plc-1"),
            Change(QuarantineChangeKind.RevokeCredentials, "plc-2"),
            Change(QuarantineChangeKind.Disconnect, "plc-3"),
            Change(QuarantineChangeKind.ReleaseDevice, "plc-1"),
        ]);

        // A version the grain never reached (its state was lost and rebuilt): the holds, not a gap.
        var update = await grain.WaitForChangesAsync(99, TimeSpan.Zero);

        Assert.True(update.IsSnapshot);
        Assert.Equal(4, update.Version);
        var hold = Assert.Single(update.Changes);
        Assert.Equal((QuarantineChangeKind.RevokeCredentials, "plc-2"), (hold.Kind, hold.Target));
    }

    [Fact]
    public void Apply_ChangeFromAnotherSilo_TakesEffectWithoutBeingPassedOn()
    {
        var list = new QuarantineList();
        var passedOn = new List<(QuarantineChangeKind, string)>();
        list.ChangedLocally += (kind, target) => passedOn.Add((kind, target));

        Assert.True(list.Apply(QuarantineChangeKind.AddDevice, "plc-1"));
        Assert.True(list.Apply(QuarantineChangeKind.AddSignal, "tank1/level"));
        Assert.True(list.AddAsset("tank1"));
        Assert.False(list.AddDevice("plc-1"));

        Assert.True(list.IsDeviceQuarantined("plc-1"));
        Assert.True(list.IsSignalQuarantined("tank1", "level"));
        Assert.Equal([(QuarantineChangeKind.AddAsset, "tank1")], passedOn);
        Assert.Throws<ArgumentException>(() => list.Apply(QuarantineChangeKind.AddSignal, "no-slash"));
    }
}
