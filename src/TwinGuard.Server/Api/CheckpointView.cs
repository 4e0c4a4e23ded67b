namespace TwinGuard.Server.Api;

/// <summary>A signed ledger checkpoint (hashes in lowercase hex), as <c>twinguard ledger checkpoint --json</c> prints it.</summary>
/// <param name="TreeSize">Entries it signs.</param>
/// <param name="RootHash">RFC 6962 Merkle root of those entries.</param>
/// <param name="Timestamp">When it was signed (version 1 checkpoints; version 2 carry no unsigned time: null).</param>
/// <param name="KeyId">Id of the signing key.</param>
/// <param name="Signature">Signature, base64.</param>
/// <param name="Encoded">The whole checkpoint, base64 (what an outside verifier takes).</param>
/// <param name="SignatureValid">True when the ledger's own public key verifies it.</param>
/// <param name="PublicKeyPem">The ledger's public key.</param>
/// <param name="Note">The checkpoint as a c2sp.org/tlog-checkpoint signed note with the stored witness cosignatures (version 2).</param>
internal sealed record CheckpointView(long TreeSize, string RootHash, DateTimeOffset? Timestamp, string KeyId, string Signature, string Encoded,
    bool SignatureValid, string? PublicKeyPem, string? Note);
