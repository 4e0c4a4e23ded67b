using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Inbox;

namespace TwinGuard.Twins.Tests.Inbox;

public sealed class OnceInboxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-once-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T00:00:00Z", CultureInfo.InvariantCulture));

    [Fact]
    public void TryKeep_SameIdTwice_KeepsItOnceAndPerSender()
    {
        using var inbox = Open(maxPerSender: 100);

        Assert.True(inbox.TryKeep("edge1", "1-1", "reading", "a"));
        Assert.False(inbox.TryKeep("edge1", "1-1", "reading", "a again"));
        Assert.True(inbox.TryKeep("edge2", "1-1", "reading", "b"));

        Assert.Equal([("edge1", "a"), ("edge2", "b")], inbox.Bodies("reading"));
        Assert.Equal(1, inbox.Count("edge1", "reading"));
    }

    [Fact]
    public void TryKeep_ForgottenId_IsKeptAgainOnTheRetry()
    {
        using var inbox = Open(maxPerSender: 100);
        Assert.True(inbox.TryKeep("peer1", "7-1", "incident", "x"));

        inbox.Forget("peer1", "7-1");

        Assert.True(inbox.TryKeep("peer1", "7-1", "incident", "x"));
        Assert.Equal(1, inbox.Count("peer1", "incident"));
    }

    [Fact]
    public void TryKeep_SenderStreamingNewIds_StaysWithinItsBoundAndLeavesOthersAlone()
    {
        using var inbox = Open(maxPerSender: 32);
        Assert.True(inbox.TryKeep("honest", "1-1", "reading", "h"));

        for (var i = 0; i < 5_000; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(inbox.TryKeep("attacker", "1-" + i.ToString(CultureInfo.InvariantCulture), "reading", "x"));
        }

        Assert.InRange(inbox.Count("attacker", "reading"), 32, 34);
        Assert.True(inbox.Evicted >= 5_000 - 34);
        Assert.Equal(1, inbox.Count("honest", "reading"));
        // The newest ids still recognise their repeats; the oldest went (a repeat that far back is kept again).
        Assert.False(inbox.TryKeep("attacker", "1-4999", "reading", "x"));
        Assert.True(inbox.TryKeep("attacker", "1-0", "reading", "x"));
    }

    [Fact]
    public void TryKeep_ReopenedOverAFullerTable_CountsItsRowsAndEvictsDownToTheBound()
    {
        using (var first = Open(maxPerSender: 1_000))
        {
            for (var i = 0; i < 200; i++)
            {
                _time.Advance(TimeSpan.FromMilliseconds(1));
                first.TryKeep("edge1", i.ToString(CultureInfo.InvariantCulture), "reading", "x");
            }
        }

        using var reopened = Open(maxPerSender: 50);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(reopened.TryKeep("edge1", "new", "reading", "x"));

        Assert.Equal(50, reopened.Count("edge1", "reading"));
        Assert.False(reopened.TryKeep("edge1", "new", "reading", "x"));
        Assert.False(reopened.TryKeep("edge1", "199", "reading", "x"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private OnceInbox Open(int maxPerSender) => new(Path.Combine(_dir, "messages.db"), "edge_messages", "edge", maxPerSender, _time);
}
