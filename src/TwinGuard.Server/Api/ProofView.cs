namespace TwinGuard.Server.Api;

/// <summary>An RFC 6962 inclusion proof of one ledger entry in a signed checkpoint.</summary>
/// <param name="Index">The entry.</param>
/// <param name="Kind">Its kind (kebab-case).</param>
/// <param name="Timestamp">When it was appended.</param>
/// <param name="PayloadBase64">Its payload.</param>
/// <param name="LeafHash">RFC 6962 leaf hash.</param>
/// <param name="Checkpoint">The checkpoint it is proven against.</param>
/// <param name="Path">The audit path, hex.</param>
/// <param name="Verified">True when the proof verifies against the checkpoint and the ledger's key (checked on the stored entry).</param>
/// <param name="PayloadRedacted">
/// True when the stored payload held secrets (a plant model or playbooks recorded before redaction) and the API returns
/// it with them redacted: the leaf hash is then that of the stored entry, which only <c>twinguard ledger prove</c> on the
/// data directory shows whole.
/// </param>
internal sealed record ProofView(long Index, string Kind, DateTimeOffset Timestamp, string PayloadBase64, string LeafHash, CheckpointView Checkpoint,
    IReadOnlyList<string> Path, bool Verified, bool PayloadRedacted);
