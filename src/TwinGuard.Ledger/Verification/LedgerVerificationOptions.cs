using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Ledger.Verification;

/// <summary>What <see cref="LedgerVerifier"/> is told to trust.</summary>
public sealed record LedgerVerificationOptions
{
    /// <summary>The log's public key, obtained apart from the ledger directory; null: the directory's own copy (proves little).</summary>
    public LedgerPublicKey? TrustedKey { get; init; }

    /// <summary>Where <see cref="TrustedKey"/> came from, for the report (a file name).</summary>
    public string? TrustedKeySource { get; init; }

    /// <summary>True when <see cref="TrustedKey"/> is the key pinned at the ledger's first start (rather than given).</summary>
    public bool TrustedKeyIsPinned { get; init; }

    /// <summary>Witnesses whose cosignatures are required.</summary>
    public IReadOnlyList<WitnessPublicKey> Witnesses { get; init; } = [];

    /// <summary>How many of <see cref="Witnesses"/> must have cosigned a checkpoint for it to count as witnessed.</summary>
    /// <value>Default 1.</value>
    public int MinWitnesses { get; init; } = 1;
}
