namespace TwinGuard.Ledger.Verification;

/// <summary>What <see cref="LedgerVerifier.Verify(string, LedgerVerificationOptions)"/> found.</summary>
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
    /// <summary>How the key that checked the signatures was obtained.</summary>
    public KeyTrust Trust { get; init; }

    /// <summary>Entries covered by the newest checkpoint cosigned by enough of the given witnesses (0 when none were given).</summary>
    public long WitnessedSize { get; init; }

    /// <summary>How many witnesses were required (0: none given).</summary>
    public int WitnessesRequired { get; init; }

    /// <summary>Valid cosignatures of the given witnesses on the newest witnessed checkpoint.</summary>
    public int WitnessCosignatures { get; init; }

    /// <summary>What the result proves, in one sentence for people.</summary>
    public string Scope => Trust switch
    {
        KeyTrust.LogOwnKey => "integrity proven against the log's own key only (the key in the ledger directory): "
                              + "whoever can write that directory could have rewritten and re-signed it; verify with --public-key or the pinned key",
        KeyTrust.PinnedKey => "integrity proven against the key pinned outside the data directory at first start",
        _ => "integrity proven against the given public key",
    } + (WitnessesRequired > 0 ? $"; {WitnessedSize} entries witnessed by {WitnessCosignatures} of the given witnesses" : string.Empty);

    /// <summary>True when every entry and every checkpoint verified.</summary>
    public bool Ok => Problem is null;

    /// <summary>Entries after the newest checkpoint: their framing and check bytes verified, no signature covers them yet.</summary>
    public long UnsignedEntries => TreeSize - SignedSize;
}
