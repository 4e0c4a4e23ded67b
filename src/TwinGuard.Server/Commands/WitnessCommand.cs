using System.CommandLine;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard witness key|serve</c>: runs a witness (another site, a SOC) that cosigns other ledgers' checkpoints
/// only when they are consistent with the last one it cosigned, and records forks (c2sp.org/tlog-witness).
/// </summary>
internal static class WitnessCommand
{
    public static Command Create() => new("witness", "Run a witness that cosigns other ledgers' consistent checkpoints and records forks")
    {
        CreateKey(),
        CreateServe(),
    };

    private static Option<DirectoryInfo> StateDir() => new("--state-dir")
    {
        Description = "Where the witness keeps its key, what it cosigned, and the forks it refused",
        Required = true,
    };

    private static Option<string> Name() => new("--name")
    {
        Description = "The witness's key name, e.g. soc.example.com/witness (no spaces or '+')",
        Required = true,
    };

    private static Option<FileInfo?> KeyFile() => new("--key") { Description = "Its Ed25519 key (PKCS#8 PEM, created 0600); default STATE-DIR/witness-key.pem" };

    private static Command CreateKey()
    {
        var state = StateDir();
        var name = Name();
        var key = KeyFile();
        var command = new Command("key", "Create the witness key if needed and print its verifier key (give it to ledger verify --witness)")
        {
            state, name, key,
        };
        command.SetAction(parse =>
        {
            var signing = Load(parse.GetValue(state)!, parse.GetValue(name)!, parse.GetValue(key));
            Console.Out.WriteLine(signing.PublicKey.VerifierKey);
            return 0;
        });
        return command;
    }

    private static Command CreateServe()
    {
        var state = StateDir();
        var name = Name();
        var key = KeyFile();
        var logs = new Option<string[]>("--log")
        {
            Description = "Verifier key of a ledger to witness (its signing-key.vkey, obtained out of band), or its file (repeatable)",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:7380" };
        var command = new Command("serve", "Serve POST /add-checkpoint until stopped") { state, name, key, logs, urls };
        command.SetAction(async (parse, ct) =>
        {
            var signing = Load(parse.GetValue(state)!, parse.GetValue(name)!, parse.GetValue(key));
            var trusted = (parse.GetValue(logs) ?? []).Select(l => File.Exists(l) ? LedgerPublicKey.Load(l) : LedgerPublicKey.FromVerifierKey(l.Trim())).ToList();
            using var witness = new Witness(signing, parse.GetValue(state)!.FullName, trusted, TimeProvider.System);
            await using var app = WitnessServer.Build(witness, parse.GetValue(urls)!);
            await app.StartAsync(ct);
            Console.Out.WriteLine($"witness {signing.PublicKey.Name} on {parse.GetValue(urls)} for {trusted.Count} ledger(s); key {signing.PublicKey.VerifierKey}");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C
            }

            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }

    private static WitnessSigningKey Load(DirectoryInfo state, string name, FileInfo? key)
    {
        Directory.CreateDirectory(state.FullName);
        return WitnessSigningKey.LoadOrCreate(key?.FullName ?? Path.Combine(state.FullName, "witness-key.pem"), name);
    }
}
