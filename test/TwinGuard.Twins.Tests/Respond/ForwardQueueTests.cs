using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>The SIEM forward queue's lines carry the time they were queued, and age out unsent past the maximum age.</summary>
public sealed class ForwardQueueTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-queue-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TryPeek_MessagesOlderThanMaxAge_DroppedUnsentAndCountedAcrossARestart()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero));
        using (var queue = new ForwardQueue(_dir, "siem", 1 << 20, time, TimeSpan.FromDays(7)))
        {
            Assert.True(queue.TryEnqueue("old 1"));
            Assert.True(queue.TryEnqueue("old 2"));
            time.Advance(TimeSpan.FromDays(6));
            Assert.True(queue.TryEnqueue("recent"));
        }

        time.Advance(TimeSpan.FromDays(2)); // the first two are 8 days old, the third 2
        using (var reopened = new ForwardQueue(_dir, "siem", 1 << 20, time, TimeSpan.FromDays(7)))
        {
            Assert.Equal(3, reopened.Depth);
            Assert.True(reopened.TryPeek(out var message));
            Assert.Equal("recent", message);
            Assert.Equal((2L, 1L), (reopened.Expired, reopened.Depth));
            reopened.Advance();
            Assert.False(reopened.TryPeek(out _));
        }

        Assert.Equal(0, new FileInfo(Path.Combine(_dir, "siem.queue")).Length);
    }

    [Fact]
    public void Peek_RunOfLargeLinesAdvancedByPart_TheRestComesAgainFirstAcrossARestart()
    {
        // Lines of 40 KB: a run of five does not fit the 64 KiB read buffer, so the run is read across refills.
        var messages = Enumerable.Range(1, 7).Select(i => i + new string((char)('a' + i), 40_000)).ToList();
        using (var queue = new ForwardQueue(_dir, "siem", 1 << 20))
        {
            messages.ForEach(m => Assert.True(queue.TryEnqueue(m)));
            Assert.Equal(messages.Take(5), queue.Peek(5));
            queue.Advance(2); // the target took two of the five
            Assert.Equal((5L, 2L), (queue.Depth, queue.Delivered));
            Assert.Throws<InvalidOperationException>(() => queue.Advance(1)); // nothing peeked since
        }

        using (var reopened = new ForwardQueue(_dir, "siem", 1 << 20))
        {
            Assert.Equal(messages.Skip(2), reopened.Peek(100));
            Assert.Throws<InvalidOperationException>(() => reopened.Advance(6));
            reopened.Advance(5);
            Assert.Empty(reopened.Peek(100));
        }
    }

    [Fact]
    public void Peek_ExpiredLinesAtTheHead_DroppedAndTheRunStartsAfterThem()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero));
        using (var queue = new ForwardQueue(_dir, "siem", 1 << 20, time))
        {
            Assert.True(queue.TryEnqueue("old 1"));
            time.Advance(TimeSpan.FromDays(6));
            Assert.True(queue.TryEnqueue("recent 2"));
            Assert.True(queue.TryEnqueue("recent 3"));
        }

        time.Advance(TimeSpan.FromDays(2));
        using var reopened = new ForwardQueue(_dir, "siem", 1 << 20, time, TimeSpan.FromDays(7));
        Assert.Equal(["recent 2", "recent 3"], reopened.Peek(10));
        Assert.Equal((1L, 2L), (reopened.Expired, reopened.Depth));
    }

    [Fact]
    public void TryPeek_LineWrittenBeforeLinesCarriedATime_ReadAndNeverAged()
    {
        File.WriteAllBytes(Path.Combine(_dir, "siem.queue"), Encoding.UTF8.GetBytes("\"from an older version\"\n")); // as the queue wrote it: no BOM
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var queue = new ForwardQueue(_dir, "siem", 1 << 20, time, TimeSpan.FromDays(1));

        Assert.True(queue.TryPeek(out var message));
        Assert.Equal("from an older version", message);
        Assert.Equal(0, queue.Expired);
    }

    [Fact]
    public void TryEnqueue_QueueFull_RefusedWhileTheSizeBoundHolds()
    {
        using var queue = new ForwardQueue(_dir, "siem", ForwardQueue.MaxMessageBytes, TimeProvider.System, TimeSpan.FromDays(1));
        var big = new string('x', ForwardQueue.MaxMessageBytes / 2);

        Assert.True(queue.TryEnqueue(big));
        Assert.False(queue.TryEnqueue(big));
        Assert.Equal(1, queue.Dropped);
        Assert.True(new FileInfo(Path.Combine(_dir, "siem.queue")).Length <= ForwardQueue.MaxMessageBytes);
    }
}
