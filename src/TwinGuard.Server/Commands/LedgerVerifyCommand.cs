using System.CommandLine;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard ledger verify --data-dir DIR [--public-key FILE] [--json]</c>.</summary>
/// <remarks>Exit 0 when every entry and checkpoint verifies, 1 at the first problem (reported with its entry and file).</remarks>
internal static class LedgerVerifyCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var publicKey = new Option<FileInfo?>("--public-key")
        {
            Description = "PEM public key to check signatures with, kept apart from the data directory "
                          + "(default: the ledger's own signing-key.pub.pem)",
        };
        var command = new Command("verify", "Recompute every entry, root and signature; report the first mismatch")
        {
            dataDir, json, publicKey,
        };
        command.SetAction((parse, _) =>
        {
            var directory = LedgerCommand.LedgerDirectory(parse.GetValue(dataDir)!);
            var keyFile = parse.GetValue(publicKey);
            using var key = keyFile is null ? null : LedgerPublicKey.Load(keyFile.FullName);
            var result = LedgerVerifier.Verify(directory, key);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(LedgerJson.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("ok", result.Ok);
                    w.WriteString("ledger", directory);
                    w.WriteNumber("treeSize", result.TreeSize);
                    w.WriteString("rootHash", Convert.ToHexStringLower(result.RootHash));
                    w.WriteNumber("checkpointsVerified", result.CheckpointsVerified);
                    w.WriteNumber("signedSize", result.SignedSize);
                    w.WriteNumber("unsignedEntries", result.UnsignedEntries);
                    w.WriteString("keyId", result.KeyId);
                    w.WriteString("keySource", result.KeySource);
                    if (result.Problem is { } p)
                    {
                        w.WriteStartObject("problem");
                        w.WriteString("kind", p.Kind);
                        if (p.EntryIndex is { } index)
                        {
                            w.WriteNumber("entry", index);
                        }

                        w.WriteString("file", p.File);
                        if (p.Offset is { } offset)
                        {
                            w.WriteNumber("offset", offset);
                        }

                        w.WriteString("message", p.Message);
                        w.WriteEndObject();
                    }

                    w.WriteStartArray("warnings");
                    foreach (var warning in result.Warnings)
                    {
                        w.WriteStringValue(warning);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }
            else if (result.Problem is { } problem)
            {
                Console.Out.WriteLine($"FAILED: {problem}");
                Console.Out.WriteLine($"verified before it: {result.TreeSize} entries, root {Convert.ToHexStringLower(result.RootHash)}, "
                                      + $"{result.CheckpointsVerified} checkpoints");
            }
            else
            {
                Console.Out.WriteLine($"OK: {result.TreeSize} entries, root {Convert.ToHexStringLower(result.RootHash)}");
                Console.Out.WriteLine($"{result.CheckpointsVerified} checkpoints verified (newest signs {result.SignedSize} entries; "
                                      + $"{result.UnsignedEntries} not yet signed), key {result.KeyId} from {result.KeySource}");
            }

            if (!parse.GetValue(json))
            {
                foreach (var warning in result.Warnings)
                {
                    Console.Out.WriteLine($"note: {warning}");
                }
            }

            return Task.FromResult(result.Ok ? 0 : LedgerCommand.VerificationFailed);
        });
        return command;
    }
}
