namespace TwinGuard.Twins.Validate;

/// <summary>
/// Where a <see cref="SequenceStore"/> keeps the last boot and sequence numbers: this node's <c>sequences.db</c>
/// (<see cref="SqliteSequenceTable"/>), or, in a cluster, a table every silo reads (Redis), so that a twin re-activated
/// on another silo refuses what its dead silo accepted.
/// </summary>
public interface ISequenceTable : IDisposable
{
    /// <summary>Where the numbers are kept, for logs (never a secret).</summary>
    string Name { get; }

    /// <summary>The numbers kept for every device that published for <paramref name="assetId"/>.</summary>
    Dictionary<string, (long Boot, long Sequence)> Read(string assetId);

    /// <summary>
    /// Keeps <paramref name="changes"/> durably, each only where it is later than what the table holds (two silos may
    /// write the same device and asset: the later numbers win, never the later write).
    /// </summary>
    /// <returns>When it returns, the changes are kept; it throws when they could not be.</returns>
    void Write(IReadOnlyList<SequenceChange> changes);
}
