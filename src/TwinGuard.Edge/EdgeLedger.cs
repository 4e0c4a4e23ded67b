using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;

namespace TwinGuard.Edge;

/// <summary>The edge's own ledger: <c>DATA/ledger</c>, signed with <c>DATA/keys/ledger.key.pem</c> (apart from the log).</summary>
internal static class EdgeLedger
{
    /// <summary>Opens (creating when needed) the edge's ledger.</summary>
    public static LedgerWriter Open(EdgeOptions options, TimeProvider time) =>
        LedgerWriter.Open(Path.Combine(options.DataDirectory, "ledger"), new LedgerOptions
        {
            CheckpointInterval = options.CheckpointInterval,
            Key = new LedgerKeyOptions { SigningKeyPath = Path.Combine(options.DataDirectory, "keys", "ledger.key.pem") },
        }, time);
}
