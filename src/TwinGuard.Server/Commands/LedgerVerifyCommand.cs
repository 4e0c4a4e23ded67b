using System.CommandLine;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Verification;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard ledger verify --data-dir DIR [--public-key FILE | --pin FILE] [--witness KEY ...] [--min-witnesses N] [--json]</c>.</summary>
/// <remarks>
/// Exit 0 when every entry and checkpoint verifies, 1 at the first problem (reported with its entry and file).
/// The key comes from <c>--public-key</c>, else the pin written at the ledger's first start (outside the data
/// directory), else the ledger's own copy, and the output says which: only the first two prove anything against
/// someone who can write the data directory.
/// </remarks>
internal static class LedgerVerifyCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var publicKey = new Option<FileInfo?>("--public-key")
        {
            Description = "Public key (PEM or verifier key) to check signatures with, kept apart from the data directory "
                          + "(default: the key pinned at first start, else the ledger's own copy, which proves little)",
        };
        var pin = new Option<FileInfo?>("--pin") { Description = "The pinned verifier key (default: where serve pins it for this data directory)" };
        var witnesses = new Option<string[]>("--witness")
        {
            Description = "Witness verifier key (or a file holding it) whose cosignatures are required (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var minWitnesses = new Option<int>("--min-witnesses") { Description = "How many of the witnesses must cosign", DefaultValueFactory = _ => 1 };
        var command = new Command("verify", "Recompute every entry, root and signature; report the first mismatch")
        {
            dataDir, json, publicKey, pin, witnesses, minWitnesses,
        };
        command.SetAction((parse, _) =>
        {
            var directory = LedgerCommand.LedgerDirectory(parse.GetValue(dataDir)!);
            var keyFile = parse.GetValue(publicKey);
            var pinFile = parse.GetValue(pin)?.FullName ?? LedgerKeyLocations.For(directory).PinPath!;
            var pinned = keyFile is null && File.Exists(pinFile);
            var keyPath = keyFile?.FullName ?? (pinned ? pinFile : null);
            using var key = keyPath is null ? null : LedgerPublicKey.Load(keyPath);
            var witnessKeys = (parse.GetValue(witnesses) ?? []).Select(WitnessPublicKey.Parse).ToList();
            var required = parse.GetValue(minWitnesses);
            if (witnessKeys.Count > 0 && (required < 1 || required > witnessKeys.Count))
            {
                throw new CommandLineException($"--min-witnesses must be between 1 and the {witnessKeys.Count} witnesses given");
            }

            var result = LedgerVerifier.Verify(directory, new LedgerVerificationOptions
            {
                TrustedKey = key,
                TrustedKeySource = keyPath,
                TrustedKeyIsPinned = pinned,
                Witnesses = witnessKeys,
                MinWitnesses = required,
            });
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
                    w.WriteString("trust", result.Trust switch
                    {
                        KeyTrust.GivenKey => "given-key",
                        KeyTrust.PinnedKey => "pinned-key",
                        _ => "log-own-key",
                    });
                    w.WriteString("scope", result.Scope);
                    w.WriteNumber("witnessesRequired", result.WitnessesRequired);
                    w.WriteNumber("witnessedSize", result.WitnessedSize);
                    w.WriteNumber("witnessCosignatures", result.WitnessCosignatures);
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
                Console.Out.WriteLine((result.Trust == KeyTrust.LogOwnKey ? "WARNING: " : "scope: ") + result.Scope);
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
