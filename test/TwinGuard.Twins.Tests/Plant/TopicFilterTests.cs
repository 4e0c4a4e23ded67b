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

    [Theory]
    [InlineData("plant/pump1/+", "plant/pump1/speed", true)]
    [InlineData("plant/pump1/+", "plant/pump1/+", true)]
    [InlineData("plant/pump1/+", "plant/pump1/#", false)]
    [InlineData("plant/pump1/+", "plant/+/speed", false)]
    [InlineData("plant/#", "plant/+/speed", true)]
    [InlineData("plant/pump1/#", "plant/pump1", true)]
    [InlineData("plant/pump1", "#", false)]
    [InlineData("plant/pump1", "plant/pump1/x", false)]
    public void Covers_GrantedFilter_CoversOnlyNarrowerSubscriptions(string granted, string requested, bool expected) =>
        Assert.Equal(expected, TopicFilter.Covers(granted, requested));

    [Theory]
    [InlineData("plant/pump1/speed", false)]
    [InlineData("plant/+/speed", true)]
    [InlineData("plant/#", true)]
    [InlineData("plant/pump1\0", true)]
    [InlineData("", true)]
    public void IsInvalidTopicName_WildcardOrNul_IsInvalid(string topic, bool expected) =>
        Assert.Equal(expected, TopicFilter.IsInvalidTopicName(topic.Replace("\\0", "\0", StringComparison.Ordinal)));
}
