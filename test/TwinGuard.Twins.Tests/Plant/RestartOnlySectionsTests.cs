using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

public sealed class RestartOnlySectionsTests
{
    [Fact]
    public void Changed_CommentsLayoutAndRanges_NoneRestartOnly()
    {
        var edited = "# edited by hand\n" + SamplePlant.Text.Replace("range: [0, 2],", "range: [0,   5],", StringComparison.Ordinal);

        Assert.Empty(RestartOnlySections.Changed(SamplePlant.Text, edited));
    }

    [Fact]
    public void Changed_ListenersAndSiteId_NamesBoth()
    {
        var site = SamplePlant.Load().Site.Id;
        var edited = SamplePlant.Text.Replace($"id: {site}", "id: another-site", StringComparison.Ordinal)
            + "\nlisteners:\n  - { protocol: mqtt, address: loopback, port: 1883 }\n";

        Assert.Equal(["listeners", "site.id"], RestartOnlySections.Changed(SamplePlant.Text, edited));
    }

    [Fact]
    public void Changed_ListenerKeysReordered_NotAChange()
    {
        var before = SamplePlant.Text + "\nlisteners:\n  - { protocol: mqtt, address: loopback, port: 1883 }\n";
        var after = SamplePlant.Text + "\nlisteners:\n  - port: 1883\n    address: loopback\n    protocol: mqtt\n";

        Assert.Empty(RestartOnlySections.Changed(before, after));
    }
}
