namespace TwinGuard.Twins.Compliance;

/// <summary>How many entries of one sort a period holds, and the newest few of them (the ones a report cites).</summary>
public sealed class EntryTally
{
    /// <summary>How many entries a report cites for one piece of evidence.</summary>
    public const int Cited = 5;

    private readonly Queue<long> _newest = new(Cited);

    /// <summary>Entries counted.</summary>
    public long Count { get; private set; }

    /// <summary>The newest <see cref="Cited"/> entries' indices, oldest first.</summary>
    public IReadOnlyCollection<long> Newest => _newest;

    /// <summary>Counts entry <paramref name="index"/> (entries come in log order).</summary>
    /// <returns>The entry no longer among the newest, if one left.</returns>
    public long? Add(long index)
    {
        Count++;
        long? left = _newest.Count == Cited ? _newest.Dequeue() : null;
        _newest.Enqueue(index);
        return left;
    }
}
