namespace TwinGuard.Twins.Twin;

/// <summary>How the twins persist what they have learned (docs/cluster.md).</summary>
/// <param name="SnapshotEvery">How often a twin's snapshot timer looks whether its stream state is due.</param>
/// <param name="Enabled">False to neither restore nor write (the benchmark's persistence-off run).</param>
/// <remarks>
/// A snapshot costs a twin about as much CPU as a few dozen messages (copies, the serializer, the store's row), so a
/// twin does not write at every tick: only once it took <see cref="SnapshotMessages"/> messages since its last write,
/// or its last write is older than <see cref="SnapshotMaxAge"/>, or its multivariate model changed. The cost per message
/// is then bounded by a snapshot's divided by <see cref="SnapshotMessages"/> whatever the rate, and what a silo's death
/// loses is bounded by both.
/// </remarks>
public sealed record TwinPersistence(TimeSpan SnapshotEvery, bool Enabled = true)
{
    /// <summary>The grain storage provider's name: SQLite in single-node mode, Redis in a cluster.</summary>
    public const string StorageName = "twins";

    /// <summary>Every 10 seconds: a silo that dies loses at most the last 10 s of learning, at one small write per twin.</summary>
    public static TwinPersistence Default { get; } = new(TimeSpan.FromSeconds(10));

    /// <summary>Messages since the last write that make a twin's stream state due at the next tick.</summary>
    /// <value>100: a snapshot then costs a message about a hundredth of a snapshot.</value>
    public int SnapshotMessages { get; init; } = 100;

    /// <summary>A twin that received readings writes at the first tick after its last write is this old, however few they were.</summary>
    /// <value>Ten times <see cref="SnapshotEvery"/> (100 s by default): a slow asset's learning is not kept in memory alone for long.</value>
    public TimeSpan SnapshotMaxAge => SnapshotEvery * 10;

    /// <summary>Whether a twin that received readings since its last write writes its state at this tick.</summary>
    /// <param name="messagesSinceWrite">Messages the twin took since its last write.</param>
    /// <param name="sinceWrite">Time since its last write (since its activation before the first).</param>
    /// <param name="modelChanged">Its multivariate model was (re)fitted, or a warm-up grew enough to be written, since its last write.</param>
    public bool IsDue(int messagesSinceWrite, TimeSpan sinceWrite, bool modelChanged) =>
        modelChanged || messagesSinceWrite >= SnapshotMessages || sinceWrite >= SnapshotMaxAge;
}
