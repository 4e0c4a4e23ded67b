namespace TwinGuard.Twins.Twin;

/// <summary>How the twins persist what they have learned (docs/cluster.md).</summary>
/// <param name="SnapshotEvery">How often a twin that has received readings writes its stream state.</param>
/// <param name="Enabled">False to neither restore nor write (the benchmark's persistence-off run).</param>
public sealed record TwinPersistence(TimeSpan SnapshotEvery, bool Enabled = true)
{
    /// <summary>The grain storage provider's name: SQLite in single-node mode, Redis in a cluster.</summary>
    public const string StorageName = "twins";

    /// <summary>Every 10 seconds: a silo that dies loses at most the last 10 s of learning, at one small write per twin.</summary>
    public static TwinPersistence Default { get; } = new(TimeSpan.FromSeconds(10));
}
