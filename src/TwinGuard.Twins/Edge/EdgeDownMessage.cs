namespace TwinGuard.Twins.Edge;

/// <summary>One message from a site to an edge (JSON on <see cref="EdgeTopics.Down"/>).</summary>
/// <param name="Kind"><c>containment</c> or <c>cosignature</c>.</param>
public sealed record EdgeDownMessage(string Kind)
{
    /// <summary>A containment the site decided (kind <c>containment</c>).</summary>
    public EdgeContainment? Containment { get; init; }

    /// <summary>The tree size of the edge checkpoint the site cosigned (kind <c>cosignature</c>).</summary>
    public long TreeSize { get; init; }

    /// <summary>The site witness's answer: cosignature lines (c2sp.org/tlog-witness), or the refusal.</summary>
    public string? Cosignature { get; init; }

    /// <summary>The witness's HTTP-like status: 200 cosigned, 409 with its size in <see cref="Cosignature"/>, else refused.</summary>
    public int Status { get; init; }
}
