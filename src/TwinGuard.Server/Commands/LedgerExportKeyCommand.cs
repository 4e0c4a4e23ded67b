using System.CommandLine;
using TwinGuard.Ledger;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard ledger export-key --data-dir DIR [--output FILE]</c>: the public key as PEM.</summary>
/// <remarks>Keep the exported key away from the data directory and give it to <c>ledger verify --public-key</c>.</remarks>
internal static class LedgerExportKeyCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var output = new Option<FileInfo?>("--output") { Description = "Write the PEM here instead of standard output" };
        var command = new Command("export-key", "Print the ledger's public key (PEM) for verifying elsewhere")
        {
            dataDir, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var directory = LedgerCommand.LedgerDirectory(parse.GetValue(dataDir)!);
            using var reader = LedgerReader.Open(directory);
            var pem = reader.PublicKey?.Pem
                      ?? throw new CommandLineException($"{directory}: has no signing-key.pub.pem (the ledger was never opened)");
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, pem, ct);
            }
            else
            {
                await Console.Out.WriteAsync(pem);
            }

            return 0;
        });
        return command;
    }
}
