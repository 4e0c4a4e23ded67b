using System.CommandLine;
using TwinGuard.Ledger;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard ledger consistency --data-dir DIR --from A [--to B] [--json]</c>: an RFC 6962 consistency proof that
/// the checkpoint of B entries extends the one of A.
/// </summary>
internal static class LedgerConsistencyCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var from = new Option<long>("--from") { Description = "Tree size of the older checkpoint", Required = true };
        var to = new Option<long?>("--to") { Description = "Tree size of the newer checkpoint (default: the newest)" };
        var command = new Command("consistency", "Print a proof that a newer checkpoint extends an older one")
        {
            dataDir, json, from, to,
        };
        command.SetAction((parse, _) =>
        {
            var directory = LedgerCommand.LedgerDirectory(parse.GetValue(dataDir)!);
            using var reader = LedgerReader.Open(directory);
            var firstSize = parse.GetValue(from);
            var first = reader.Checkpoints.LastOrDefault(c => c.TreeSize == firstSize)
                        ?? throw new CommandLineException($"--from {firstSize}: no checkpoint signs a tree of that size");
            var secondSize = parse.GetValue(to);
            var second = (secondSize is { } s ? reader.Checkpoints.LastOrDefault(c => c.TreeSize == s) : reader.LatestCheckpoint)
                         ?? throw new CommandLineException($"--to {secondSize}: no checkpoint signs a tree of that size");
            if (second.TreeSize < first.TreeSize)
            {
                throw new CommandLineException($"--to {second.TreeSize} is older than --from {first.TreeSize}");
            }

            var proof = reader.ProveConsistency(first.TreeSize, second.TreeSize);
            var verified = reader.PublicKey is { } key && proof.Verify(first, second, key);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(LedgerJson.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("verified", verified);
                    LedgerJson.Checkpoint(w, "first", first);
                    LedgerJson.Checkpoint(w, "second", second);
                    LedgerJson.Proof(w, "rfc6962-consistency", ("firstSize", proof.FirstSize), ("secondSize", proof.SecondSize), proof.Path);
                    w.WriteEndObject();
                }));
            }
            else
            {
                Console.Out.WriteLine($"{first.TreeSize} entries (root {Convert.ToHexStringLower(first.RootHash)}) -> "
                                      + $"{second.TreeSize} entries (root {Convert.ToHexStringLower(second.RootHash)})");
                ProofText.PrintPath("consistency path", proof.Path, verified);
            }

            return Task.FromResult(verified ? 0 : LedgerCommand.VerificationFailed);
        });
        return command;
    }
}
