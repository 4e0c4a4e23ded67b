using System.CommandLine;
using TwinGuard.Ledger;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard ledger prove --data-dir DIR --entry N [--tree-size M] [--json]</c>: an RFC 6962 inclusion proof.</summary>
/// <remarks>
/// By default the proof is against the newest signed checkpoint, printed alongside, so the output holds everything
/// an outside verifier needs besides the public key (<c>ledger export-key</c>).
/// </remarks>
internal static class LedgerProveCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var entry = new Option<long>("--entry") { Description = "Index of the entry to prove", Required = true };
        var treeSize = new Option<long?>("--tree-size")
        {
            Description = "Tree size of the checkpoint to prove against (default: the newest checkpoint)",
        };
        var command = new Command("prove", "Print an inclusion proof of one entry in a signed checkpoint")
        {
            dataDir, json, entry, treeSize,
        };
        command.SetAction((parse, _) =>
        {
            var directory = LedgerCommand.LedgerDirectory(parse.GetValue(dataDir)!);
            using var reader = LedgerReader.Open(directory);
            var index = parse.GetValue(entry);
            var wanted = parse.GetValue(treeSize);
            var checkpoint = (wanted is { } size
                                 ? reader.Checkpoints.LastOrDefault(c => c.TreeSize == size)
                                 : reader.LatestCheckpoint)
                             ?? throw new CommandLineException(wanted is null
                                 ? $"{directory}: no checkpoint has been signed yet"
                                 : $"{directory}: no checkpoint signs a tree of {wanted} entries");
            if (index < 0 || index >= checkpoint.TreeSize)
            {
                throw new CommandLineException(
                    $"--entry {index}: the checkpoint signs entries 0..{checkpoint.TreeSize - 1} only");
            }

            var ledgerEntry = reader.ReadEntry(index);
            var proof = reader.ProveInclusion(index, checkpoint.TreeSize);
            var verified = reader.PublicKey is { } key && proof.Verify(ledgerEntry, checkpoint, key);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(LedgerJson.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("verified", verified);
                    LedgerJson.Entry(w, ledgerEntry);
                    LedgerJson.Checkpoint(w, "checkpoint", checkpoint);
                    LedgerJson.Proof(w, "rfc6962-inclusion", ("leafIndex", proof.LeafIndex), ("treeSize", proof.TreeSize), proof.Path);
                    w.WriteEndObject();
                }));
            }
            else
            {
                Console.Out.WriteLine($"entry {index} ({LedgerJson.KindName(ledgerEntry.Kind)}, "
                                      + $"{ledgerEntry.Timestamp:O}), leaf hash {Convert.ToHexStringLower(ledgerEntry.ComputeLeafHash())}");
                Console.Out.WriteLine($"in checkpoint of {checkpoint.TreeSize} entries, root {Convert.ToHexStringLower(checkpoint.RootHash)}, "
                                      + $"signed {checkpoint.Timestamp:O}");
                ProofText.PrintPath("audit path", proof.Path, verified);
            }

            return Task.FromResult(verified ? 0 : LedgerCommand.VerificationFailed);
        });
        return command;
    }
}
