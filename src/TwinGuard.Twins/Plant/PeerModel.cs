namespace TwinGuard.Twins.Plant;

/// <summary>
/// A peer site (a SOC, a supplier, a sister plant) this site shares with: declared as a device with <c>peer:</c>, so the
/// broker authenticates it by its client certificate like any device, and what it publishes on <c>peer/ID/up</c> goes to
/// the site's peer inbox, never to the gate (docs/sharing.md).
/// </summary>
/// <param name="SigningKey">The peer's Ed25519 message key (a signed-note verifier key, <c>name+hash+base64</c>), pinned: every message it sends is signed with it.</param>
/// <param name="CaFile">The peer's CA, pinned: it must have issued the peer's client certificate and the server certificate of its broker.</param>
public sealed record PeerModel(string SigningKey, string CaFile)
{
    /// <summary>Where this site sends to the peer: its <c>mqtts</c> listener (<c>host:port</c>); null: this site only receives from it.</summary>
    public string? Broker { get; init; }

    /// <summary>What the peer is: <c>site</c> (a plant that also shares) or <c>soc</c> (it only watches).</summary>
    /// <value><c>site</c>.</value>
    public string Role { get; init; } = "site";

    /// <summary>What may leave this site for the peer (<see cref="PeerShare"/> names); nothing else is ever sent to it.</summary>
    public IReadOnlySet<string> Send { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Whether raw process values (signal readings) may leave in incident summaries.</summary>
    /// <value>False: summaries carry reasons, ATT&amp;CK ids, assets and severities, never values.</value>
    public bool Values { get; init; }

    /// <summary>Whether addresses this peer reports as attacking are refused at this site's broker before they log in.</summary>
    /// <value>False: they only feed intel correlation.</value>
    public bool Block { get; init; }

    /// <summary>
    /// The verifier key of the peer's ledger (its <c>signing-key.vkey</c> or pin): with it this site witnesses that
    /// ledger, cosigning each checkpoint the peer sends that verifies and is consistent with the last one cosigned.
    /// </summary>
    /// <value>Null: the peer's checkpoints are answered 404 and not cosigned.</value>
    public string? LedgerKey { get; init; }
}
