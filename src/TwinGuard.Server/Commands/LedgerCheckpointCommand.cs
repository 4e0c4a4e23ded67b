using System.CommandLine;
using TwinGuard.Ledger;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard ledger checkpoint --data-dir DIR [--json | --note]</c>: the newest signed checkpoint.</summary>
/// <remarks>Publishing this output elsewhere (SIEM, ticket, paper) is what makes later truncation detectable.</remarks>
internal static class LedgerCheckpointCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var noteOnly = new Option<bool>("--note") { Description = "Print only the checkpoint as a C2SP signed note (with stored cosignatures)" };
        var command = new Command("checkpoint", "Print the newest signed checkpoint (tree size, root, signature, signed note)")
        {
            dataDir, json, noteOnly,
        };
        command.SetAction((parse, _) =>
        {
            var directory = LedgerCommand.LedgerDirectory(parse.GetValue(dataDir)!);
            using var reader = LedgerReader.Open(directory);
            var checkpoint = reader.LatestCheckpoint
                             ?? throw new CommandLineException($"{directory}: no checkpoint has been signed yet");
            var signatureValid = reader.PublicKey is { } key && key.Verify(checkpoint);
            var note = LedgerJson.Note(directory, reader.PublicKey, checkpoint);
            if (parse.GetValue(noteOnly))
            {
                Console.Out.Write(note ?? throw new CommandLineException($"{directory}: the newest checkpoint predates signed notes (version 1)"));
            }
            else if (parse.GetValue(json))
            {
                Console.Out.WriteLine(LedgerJson.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("signatureValid", signatureValid);
                    LedgerJson.Checkpoint(w, "checkpoint", checkpoint, note);
                    w.WriteString("publicKeyPem", reader.PublicKey?.Pem);
                    w.WriteEndObject();
                }));
            }
            else
            {
                Console.Out.WriteLine($"tree size  {checkpoint.TreeSize}");
                Console.Out.WriteLine($"root hash  {Convert.ToHexStringLower(checkpoint.RootHash)}");
                if (checkpoint.Version == 1)
                {
                    Console.Out.WriteLine($"timestamp  {checkpoint.Timestamp:O}");
                }

                Console.Out.WriteLine($"key id     {Convert.ToHexStringLower(checkpoint.KeyId)}");
                Console.Out.WriteLine($"signature  {Convert.ToBase64String(checkpoint.Signature)}");
                Console.Out.WriteLine($"encoded    {Convert.ToBase64String(checkpoint.Encode())}");
                Console.Out.WriteLine(signatureValid ? "signature valid (against the ledger's own key)" : "SIGNATURE DOES NOT VERIFY");
                if (note is not null)
                {
                    Console.Out.WriteLine();
                    Console.Out.Write(note);
                }
            }

            return Task.FromResult(signatureValid ? 0 : LedgerCommand.VerificationFailed);
        });
        return command;
    }
}
