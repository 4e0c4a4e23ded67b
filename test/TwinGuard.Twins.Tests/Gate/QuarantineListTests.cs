using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Tests.Gate;

/// <summary>The quarantine list's lock-free answers follow every way an entry is added and released.</summary>
public sealed class QuarantineListTests
{
    [Fact]
    public void HasSignals_SignalsAddedAndReleasedLocallyAndFromAnotherSilo_FollowsThem()
    {
        var list = new QuarantineList();
        Assert.False(list.HasSignals);

        Assert.True(list.AddSignal("tank1", "level"));
        Assert.False(list.AddSignal("tank1", "level")); // already there: counted once
        Assert.True(list.Apply(QuarantineChangeKind.AddSignal, "pump1/flow"));
        Assert.True(list.HasSignals);
        Assert.True(list.IsSignalQuarantined("pump1", "flow"));

        Assert.True(list.ReleaseSignal("tank1", "level"));
        Assert.True(list.HasSignals);
        Assert.False(list.Apply(QuarantineChangeKind.ReleaseSignal, "tank1/level")); // already released: not counted again
        Assert.True(list.Apply(QuarantineChangeKind.ReleaseSignal, "pump1/flow"));

        Assert.False(list.HasSignals);
        Assert.False(list.IsSignalQuarantined("pump1", "flow"));
    }

    [Fact]
    public void IsDeviceQuarantined_AddedThenReleased_AnswersEachTime()
    {
        var list = new QuarantineList();
        Assert.False(list.IsDeviceQuarantined("loop-plc"));
        Assert.False(list.IsAssetQuarantined("tank1"));
        Assert.False(list.AreCredentialsRevoked("loop-plc"));

        list.AddDevice("loop-plc");
        list.AddAsset("tank1");
        list.RevokeCredentials("loop-plc");
        Assert.True(list.IsDeviceQuarantined("loop-plc"));
        Assert.True(list.IsAssetQuarantined("tank1"));
        Assert.True(list.AreCredentialsRevoked("loop-plc"));

        list.ReleaseDevice("loop-plc");
        list.ReleaseAsset("tank1");
        list.RestoreCredentials("loop-plc");
        Assert.False(list.IsDeviceQuarantined("loop-plc"));
        Assert.False(list.IsAssetQuarantined("tank1"));
        Assert.False(list.AreCredentialsRevoked("loop-plc"));
    }
}
