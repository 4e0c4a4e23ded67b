using TwinGuard.Ingest.OpcUa.Subscriptions;

namespace TwinGuard.Ingest.Tests.OpcUa;

public sealed class PublishSequenceTests
{
    [Fact]
    public void Observe_ConsecutiveNumbers_ReportNothingMissing()
    {
        var sequence = new PublishSequence();
        Assert.Empty(sequence.Observe(1, false, 32)!);
        Assert.Empty(sequence.Observe(2, false, 32)!);
        Assert.Empty(sequence.Observe(3, keepAlive: true, 32)!); // announces 3 as the next
        Assert.Empty(sequence.Observe(3, false, 32)!);
        Assert.Equal(3u, sequence.Last);
    }

    [Fact]
    public void Observe_SkippedNumbers_ReturnsThemInOrder()
    {
        var sequence = new PublishSequence();
        sequence.Observe(5, false, 32);

        Assert.Equal([6u, 7u, 8u], sequence.Observe(9, false, 32));
        Assert.Equal(9u, sequence.Last);
    }

    [Fact]
    public void Observe_KeepAliveAnnouncingALaterNumber_ReportsTheMessagesNeverReceived()
    {
        var sequence = new PublishSequence();
        sequence.Observe(5, false, 32);

        // The next number is 8: 6 and 7 were sent and never arrived.
        Assert.Equal([6u, 7u], sequence.Observe(8, keepAlive: true, 32));
    }

    [Fact]
    public void Observe_NumberGoingBack_IsARollback()
    {
        var sequence = new PublishSequence();
        sequence.Observe(10, false, 32);
        sequence.Observe(11, false, 32);

        Assert.Null(sequence.Observe(4, false, 32));
        Assert.Null(sequence.Observe(11, false, 32));
        Assert.Equal(11u, sequence.Last);
    }

    [Fact]
    public void Observe_WrapAfterTheLargestNumber_ContinuesAtOne()
    {
        var sequence = new PublishSequence();
        sequence.Observe(uint.MaxValue, false, 32);

        Assert.Empty(sequence.Observe(1, false, 32)!);
    }

    [Fact]
    public void Observe_HugeGap_ListsAtMostTheLimit()
    {
        var sequence = new PublishSequence();
        sequence.Observe(1, false, 32);

        Assert.Equal(32, sequence.Observe(1_000_000, false, 32)!.Count);
    }
}
