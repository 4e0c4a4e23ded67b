namespace TwinGuard.Ledger.Verification;

/// <summary>How far the key that checked a ledger can be trusted.</summary>
public enum KeyTrust
{
    /// <summary>The key the ledger directory holds: proves integrity against the log's own key only.</summary>
    LogOwnKey,

    /// <summary>A key pinned outside the data directory at the ledger's first start.</summary>
    PinnedKey,

    /// <summary>A key given by the person verifying.</summary>
    GivenKey,
}
