using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>
/// When a twin writes its stream state: after a number of messages or once its last write is old enough, whichever
/// comes first, and at once when its model changed; never merely because a tick came.
/// </summary>
public sealed class TwinPersistenceTests
{
    private static readonly TwinPersistence Persistence = TwinPersistence.Default;

    [Fact]
    public void IsDue_FewMessagesSinceARecentWrite_NotDue()
    {
        Assert.False(Persistence.IsDue(Persistence.SnapshotMessages - 1, Persistence.SnapshotEvery, modelChanged: false));
        Assert.False(Persistence.IsDue(10, Persistence.SnapshotMaxAge - TimeSpan.FromMilliseconds(1), modelChanged: false));
    }

    [Fact]
    public void IsDue_EnoughMessages_DueAtTheFirstTick()
    {
        Assert.True(Persistence.IsDue(Persistence.SnapshotMessages, Persistence.SnapshotEvery, modelChanged: false));
    }

    [Fact]
    public void IsDue_SlowAssetWhoseLastWriteIsOld_DueAfterTheMaxAge()
    {
        // One message per second and a 10 s tick: a write every 100 s rather than every 10 s.
        Assert.Equal(TimeSpan.FromSeconds(100), Persistence.SnapshotMaxAge);
        Assert.True(Persistence.IsDue(1, Persistence.SnapshotMaxAge, modelChanged: false));
    }

    [Fact]
    public void IsDue_ModelChanged_DueWhateverTheMessages()
    {
        Assert.True(Persistence.IsDue(1, TimeSpan.Zero, modelChanged: true));
    }

    [Fact]
    public void SnapshotMaxAge_FollowsTheTick()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), new TwinPersistence(TimeSpan.FromSeconds(30)).SnapshotMaxAge);
    }
}
