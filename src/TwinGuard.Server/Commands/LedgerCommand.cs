using System.CommandLine;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard ledger verify|prove|consistency|checkpoint|export-key|witnesses</c>: offline checks of the tamper-evident
/// ledger in <c>&lt;data-dir&gt;/ledger</c> (docs/ledger-format.md).
/// </summary>
internal static class LedgerCommand
{
    /// <summary>Exit code when the ledger does not verify (distinct from bad arguments, which exit 2).</summary>
    public const int VerificationFailed = 1;

    /// <summary>The ledger directory inside a data directory.</summary>
    public static string LedgerDirectory(DirectoryInfo dataDir) => Path.Combine(dataDir.FullName, "ledger");

    public static Command Create() => new("ledger", "Verify the tamper-evident ledger and print proofs and checkpoints")
    {
        LedgerVerifyCommand.Create(),
        LedgerProveCommand.Create(),
        LedgerConsistencyCommand.Create(),
        LedgerCheckpointCommand.Create(),
        LedgerExportKeyCommand.Create(),
        LedgerWitnessesCommand.Create(),
    };
}
