using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

/// <summary>A copy of the model with other devices or assets (<c>model with { ... }</c>) finds its own, not the original's.</summary>
public sealed class PlantModelCopyTests
{
    [Fact]
    public void FindDevice_CopyWithOtherDevices_FindsTheCopysDevicesOnly()
    {
        var model = SamplePlant.Load();
        Assert.NotNull(model.FindDevice("loop-plc"));

        var peer = new DeviceModel("peer-site", "A peer site", null, ["peer/peer-site/up"]);
        var copy = model with { Devices = [.. model.Devices.Where(d => d.Id != "loop-plc"), peer] };

        Assert.Same(peer, copy.FindDevice("peer-site"));
        Assert.Null(copy.FindDevice("loop-plc"));
        Assert.NotNull(model.FindDevice("loop-plc")); // the original is unchanged
        Assert.Null(model.FindDevice("peer-site"));
    }

    [Fact]
    public void FindAsset_CopyWithFewerAssets_DoesNotFindTheRemovedOne()
    {
        var model = SamplePlant.Load();
        var removed = model.Assets[0];
        var copy = model with { Assets = [.. model.Assets.Skip(1)] };

        Assert.Null(copy.FindAsset(removed.Id));
        Assert.Same(removed, model.FindAsset(removed.Id));
        Assert.Same(copy.Assets[0], copy.FindAsset(copy.Assets[0].Id));
        Assert.Null(copy.FindAsset(removed.Id.AsSpan())); // the gate's lookup by a span of the topic, alike
        Assert.Same(copy.Assets[0], copy.FindAsset($"plant/{copy.Assets[0].Id}/level".AsSpan(6, copy.Assets[0].Id.Length)));
    }
}
