using System.CommandLine;
using TwinGuard.Ledger;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard ledger checkpoint --data-dir DIR [--json]</c>: the newest signed checkpoint.</summary>
/// <remarks>Publishing this output elsewhere (SIEM, ticket, paper) is what makes later truncation detectable.</remarks>
internal static class LedgerCheckpointCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("checkpoint", "Print the newest signed checkpoint (tree size, root, time, signature)")
        {
            dataDir, json,
        };
        command.SetAction((parse, _) =>
        {
            var directory = LedgerCommand.LedgerDirectory(parse.GetValue(dataDir)!);
            using var reader = LedgerReader.Open(directory);
            var checkpoint = reader.LatestCheckpoint
                             ?? throw new CommandLineException($"{directory}: no checkpoint has been signed yet");
            var signatureValid = reader.PublicKey is { } key && key.Verify(checkpoint);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(LedgerJson.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("signatureValid", signatureValid);
                    LedgerJson.Checkpoint(w, "checkpoint", checkpoint);
                    w.WriteString("publicKeyPem", reader.PublicKey?.Pem);
                    w.WriteEndObject();
                }));
            }
            else
            {
                Console.Out.WriteLine($"tree size  {checkpoint.TreeSize}");
                Console.Out.WriteLine($"root hash  {Convert.ToHexStringLower(checkpoint.RootHash)}");
                Console.Out.WriteLine($"timestamp  {checkpoint.Timestamp:O}");
                Console.Out.WriteLine($"key id     {Convert.ToHexStringLower(checkpoint.KeyId)}");
                Console.Out.WriteLine($"signature  {Convert.ToBase64String(checkpoint.Signature)}");
                Console.Out.WriteLine($"encoded    {Convert.ToBase64String(checkpoint.Encode())}");
                Console.Out.WriteLine(signatureValid ? "signature valid" : "SIGNATURE DOES NOT VERIFY");
            }

            return Task.FromResult(signatureValid ? 0 : LedgerCommand.VerificationFailed);
        });
        return command;
    }
}
