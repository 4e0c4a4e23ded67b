using System.Security.Cryptography;
using System.Text;
using TwinGuard.Ledger.Checkpoints;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Where a site's ledger key and pin live by default: outside the data directory, under
/// <c>$TWINGUARD_KEY_DIR</c>, else <c>$XDG_CONFIG_HOME/twinguard</c>, else <c>~/.config/twinguard</c>, named after the
/// ledger directory's full path (so that several data directories on one machine have one key each).
/// </summary>
internal static class LedgerKeyLocations
{
    /// <summary>The environment variable naming the directory for ledger keys and pins.</summary>
    public const string KeyDirVariable = "TWINGUARD_KEY_DIR";

    /// <summary>The directory keys and pins go to by default.</summary>
    public static string KeyDirectory()
    {
        if (Environment.GetEnvironmentVariable(KeyDirVariable) is { Length: > 0 } dir)
        {
            return Path.GetFullPath(dir);
        }

        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(config, "twinguard");
    }

    /// <summary>
    /// The key options of a throw-away run's ledger (a benchmark's silo, a simulated scenario): key and pin in the run's
    /// own data directory, deleted with it, instead of one more pin in the user's configuration per run.
    /// </summary>
    public static LedgerKeyOptions ForRun(string dataDirectory) => For(Path.Combine(dataDirectory, "ledger"), Path.Combine(dataDirectory, "run-keys"));

    /// <summary>The default key options of the ledger in <paramref name="ledgerDirectory"/>: key file and pin under <paramref name="keyDirectory"/>.</summary>
    public static LedgerKeyOptions For(string ledgerDirectory, string? keyDirectory = null)
    {
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(ledgerDirectory).TrimEnd('/'))))[..16];
        var dir = Path.Combine(keyDirectory ?? KeyDirectory(), "ledger");
        return new LedgerKeyOptions
        {
            SigningKeyPath = Path.Combine(dir, id + ".key.pem"),
            PinPath = Path.Combine(dir, id + ".pin.vkey"),
        };
    }
}
