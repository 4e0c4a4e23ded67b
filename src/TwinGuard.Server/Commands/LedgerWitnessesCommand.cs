using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Twins.Share;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard ledger witnesses --data-dir DIR [--json]</c>: witnessing between this site and its peers, offline: who
/// cosigned this site's ledger and up to where, and what this site last cosigned of each peer's ledger (size, root,
/// time) with the forks it refused (docs/sharing.md).
/// </summary>
internal static class LedgerWitnessesCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("witnesses", "List who cosigned this ledger and what this site cosigned of each peer's ledger, with the forks it refused")
        {
            dataDir, json,
        };
        command.SetAction((parse, _) =>
        {
            var data = parse.GetValue(dataDir)!;
            if (!data.Exists)
            {
                throw new CommandLineException($"--data-dir {data.FullName}: no such directory");
            }

            var ours = PeerWitnessRecords.CosignersOf(LedgerCommand.LedgerDirectory(data), out var malformed);
            var theirs = PeerWitnessRecords.CosignedByThisSite(data.FullName);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { cosignedThisLedger = ours, malformedCosignatureLines = malformed, cosignedByThisSite = theirs }, JsonOptions));
                return Task.FromResult(0);
            }

            Console.WriteLine("This site's ledger, cosigned by (ledger/cosignatures.tgw; `ledger verify --witness KEY` verifies them):");
            Rows(["witness", "key", "size", "root", "time", "cosignatures"], ours,
                o => [o.Witness, o.KeyHash, o.TreeSize, o.Root, o.Time?.ToString("u", CultureInfo.InvariantCulture), o.Cosignatures]);
            if (malformed > 0)
            {
                Console.WriteLine($"{malformed} malformed line(s) in ledger/cosignatures.tgw skipped");
            }

            Console.WriteLine("Peers' ledgers, cosigned by this site (its peer-cosignature entries; forks refused: peering/witness/ID/forks.jsonl):");
            Rows(["peer", "size", "root", "time", "cosignatures", "forks-refused", "origin"], theirs,
                p => [p.Peer, p.TreeSize, p.Root, p.Time?.ToString("u", CultureInfo.InvariantCulture), p.Cosignatures, p.ForksRefused, p.Origin]);
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>One line per row, <c>column value</c> pairs: a table of 64-digit roots wraps its cells in a narrow terminal.</summary>
    private static void Rows<T>(string[] columns, IReadOnlyList<T> rows, Func<T, object?[]> cells)
    {
        if (rows.Count == 0)
        {
            Console.WriteLine("  (none)");
            return;
        }

        foreach (var row in rows)
        {
            // Names and origins come from peers: control characters are shown escaped, never sent to the terminal.
            Console.WriteLine("  " + string.Join("  ", columns.Zip(cells(row), (c, v) => c + " " + Printable(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "-"))));
        }
    }

    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
