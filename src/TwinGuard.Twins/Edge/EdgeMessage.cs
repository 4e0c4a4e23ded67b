namespace TwinGuard.Twins.Edge;

/// <summary>
/// One message from an edge agent to its site (JSON on <see cref="EdgeTopics.Up"/>). Delivered at least once: the
/// site keeps the first of each <see cref="Id"/> and acknowledges repeats without keeping them again.
/// </summary>
/// <param name="Id">Unique per edge: the edge's run (its start time) and a counter; repeats of a delivery keep it.</param>
/// <param name="Kind">Which of the optional parts is set: <c>reading</c>, <c>finding</c>, <c>checkpoint</c>, <c>containment</c>.</param>
/// <param name="Time">When the edge queued it, Unix epoch milliseconds.</param>
public sealed record EdgeMessage(string Id, string Kind, long Time)
{
    /// <summary>An accepted reading (kind <c>reading</c>).</summary>
    public EdgeReading? Reading { get; init; }

    /// <summary>A finding of the edge's pipeline (kind <c>finding</c>).</summary>
    public EdgeFinding? Finding { get; init; }

    /// <summary>A c2sp.org/tlog-witness add-checkpoint body for the edge's ledger (kind <c>checkpoint</c>).</summary>
    public string? Checkpoint { get; init; }

    /// <summary>A containment the edge put in force or lifted (kind <c>containment</c>).</summary>
    public EdgeContainment? Containment { get; init; }
}
