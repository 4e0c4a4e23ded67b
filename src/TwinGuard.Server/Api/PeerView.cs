namespace TwinGuard.Server.Api;

/// <summary>One peer site in <c>GET /api/peers</c>.</summary>
/// <param name="Id">The peer's id (its site id).</param>
/// <param name="Role"><c>site</c> or <c>soc</c>.</param>
/// <param name="Broker">Where this site sends to it, if anywhere.</param>
/// <param name="Send">What this site may send it.</param>
/// <param name="Values">Whether raw process values may go to it.</param>
/// <param name="Block">Whether addresses it reports are refused at the broker.</param>
/// <param name="Linked">Whether the link to it is up now.</param>
/// <param name="Problem">The link's last problem, if any.</param>
/// <param name="Waiting">Messages waiting in its outbox.</param>
/// <param name="Delivered">Messages it acknowledged since start.</param>
/// <param name="Dropped">Messages its full outbox refused.</param>
internal sealed record PeerView(string Id, string Role, string? Broker, IReadOnlyList<string> Send, bool Values, bool Block, bool Linked, string? Problem,
    long Waiting, long Delivered, long Dropped)
{
    /// <summary>Whether this site witnesses the peer's ledger (its <c>peer.ledger_key</c> is declared).</summary>
    public bool Witnessed { get; init; }

    /// <summary>The newest tree size of this site's ledger the peer cosigned (the cosignature verified and kept in <c>cosignatures.tgw</c>).</summary>
    public long CosignedOurs { get; init; }

    /// <summary>The newest tree size of the peer's ledger this site cosigned.</summary>
    public long CosignedTheirs { get; init; }

    /// <summary>The peer's checkpoints this site refused since start (bad signature, another log, inconsistent: a fork).</summary>
    public long CheckpointsRefused { get; init; }

    /// <summary>The peer's answers to this site's checkpoints that were refusals or did not verify, since start.</summary>
    public long CosignaturesRefused { get; init; }
}
