namespace TwinGuard.Server.Api;

/// <summary>One incident of any site in the SOC view (<c>GET /api/soc/incidents</c>).</summary>
/// <param name="Site">The site it happened at.</param>
/// <param name="Via">The peer it came through; null for this site's own.</param>
/// <param name="Id">Its id at that site.</param>
/// <param name="Opened">When it opened.</param>
/// <param name="Severity">Lower-case severity.</param>
/// <param name="Title">One line (without values unless the sending site allows them to this one).</param>
/// <param name="Asset">The asset it concerns, if one.</param>
/// <param name="Techniques">ATT&amp;CK for ICS technique ids.</param>
/// <param name="Addresses">Addresses its findings came from.</param>
internal sealed record SocIncident(string Site, string? Via, long Id, DateTimeOffset Opened, string Severity, string Title, string? Asset,
    IReadOnlyList<string> Techniques, IReadOnlyList<string> Addresses);
