namespace TwinGuard.Ledger.Verification;

/// <summary>What <see cref="LedgerVerifier.Verify"/> found.</summary>
/// <param name="Problem">The first problem, or null when everything verified.</param>
/// <param name="TreeSize">Entries that verified (all of them when <see cref="Ok"/>).</param>
/// <param name="RootHash">MTH of those entries.</param>
/// <param name="CheckpointsVerified">Checkpoints whose signature and root matched.</param>
/// <param name="SignedSize">Tree size of the newest checkpoint that matched.</param>
/// <param name="KeyId">Hex SHA-256 of the public key used.</param>
/// <param name="KeySource">Where that key came from: the file given, or the ledger directory's own copy.</param>
/// <param name="Warnings">Things worth knowing that do not make the log invalid.</param>
public sealed record LedgerVerificationResult(
    LedgerProblem? Problem,
    long TreeSize,
    byte[] RootHash,
    int CheckpointsVerified,
    long SignedSize,
    string KeyId,
    string KeySource,
    IReadOnlyList<string> Warnings)
{
    /// <summary>True when every entry and every checkpoint verified.</summary>
    public bool Ok => Problem is null;

    /// <summary>Entries after the newest checkpoint: their framing and check bytes verified, no signature covers them yet.</summary>
    public long UnsignedEntries => TreeSize - SignedSize;
}
