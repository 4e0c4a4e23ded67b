using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

public sealed class TopicFilterTests
{
    [Theory]
    [InlineData("plant/tank1", "plant/tank1", true)]
    [InlineData("plant/tank1/+", "plant/tank1/level", true)]
    [InlineData("plant/tank1/+", "plant/tank1", false)]
    [InlineData("plant/tank1/+", "plant/tank1/level/x", false)]
    [InlineData("plant/#", "plant/tank1/level", true)]
    [InlineData("plant/tank1/#", "plant/tank1", true)]
    [InlineData("plant/+/level", "plant/tank1/level", true)]
    [InlineData("plant/tank1", "plant/tank10", false)]
    [InlineData("#", "anything/at/all", true)]
    public void Matches_FollowsMqttWildcardRules(string filter, string topic, bool expected) =>
        Assert.Equal(expected, TopicFilter.Matches(filter, topic));

    [Theory]
    [InlineData("a/#/b", false)]
    [InlineData("a/b#", false)]
    [InlineData("a/b+/c", false)]
    [InlineData("a/+/c", true)]
    [InlineData("a/#", true)]
    [InlineData("", false)]
    public void IsValid_ChecksWildcardPlacement(string filter, bool expected) => Assert.Equal(expected, TopicFilter.IsValid(filter));
}
