namespace TwinGuard.Server.Api;

/// <summary><c>GET /api/peers</c>: this site's peers, what it received and what it refused, by reason.</summary>
/// <param name="Site">This site's id.</param>
/// <param name="Role"><c>site</c> or <c>soc</c>.</param>
/// <param name="Key">The verifier key this site signs its messages with (what peers pin).</param>
/// <param name="Peers">Each peer.</param>
/// <param name="Kept">Inbound messages kept since start.</param>
/// <param name="Repeats">Inbound repeats acknowledged without keeping them again.</param>
/// <param name="Refused">Inbound refusals since start, by reason (snake_case).</param>
/// <param name="Withheld">Outbound messages a peer's policy held back since start.</param>
/// <param name="DeniedAddresses">Addresses refused at the broker because a peer reported them.</param>
internal sealed record PeersStatus(string Site, string Role, string Key, IReadOnlyList<PeerView> Peers, long Kept, long Repeats,
    IReadOnlyDictionary<string, long> Refused, long Withheld, IReadOnlyList<string> DeniedAddresses);
