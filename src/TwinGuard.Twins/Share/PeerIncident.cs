namespace TwinGuard.Twins.Share;

/// <summary>An incident as a site shares it: what happened and where, with ATT&amp;CK for ICS ids, never the evidence itself.</summary>
/// <param name="Site">The site it happened at.</param>
/// <param name="Id">Its id at that site.</param>
/// <param name="Opened">When it opened, Unix milliseconds.</param>
/// <param name="Severity">Lower-case severity.</param>
/// <param name="Title">Its one-line title.</param>
/// <param name="Rule">The correlation rule that opened it.</param>
/// <param name="Reasons">The reasons of its findings.</param>
/// <param name="Techniques">ATT&amp;CK for ICS technique ids (<c>T0856</c>) of those reasons.</param>
public sealed record PeerIncident(string Site, long Id, long Opened, string Severity, string Title, string Rule, IReadOnlyList<string> Reasons, IReadOnlyList<string> Techniques)
{
    /// <summary>The asset it concerns, if one.</summary>
    public string? Asset { get; init; }

    /// <summary>The device most of its findings came from, if known.</summary>
    public string? Device { get; init; }

    /// <summary>Addresses its findings came from (the attacker's, shared as indicators too).</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Raw process values of its findings (<c>asset/signal</c> to value), only for a peer allowed <c>values: true</c>.</summary>
    public IReadOnlyDictionary<string, double>? Values { get; init; }
}
