using System.CommandLine;

namespace TwinGuard.Server.Commands;

/// <summary>Options that several commands share, so that they are spelled and defaulted the same way everywhere.</summary>
internal static class CommonOptions
{
    /// <summary>The environment variable that overrides the default data directory.</summary>
    public const string DataDirVariable = "TWINGUARD_DATA_DIR";

    /// <summary><c>--data-dir DIR</c>: where SQLite, the ledger, the quarantine store and keys live.</summary>
    /// <value>Defaults to <c>$TWINGUARD_DATA_DIR</c>, else <c>./twinguard-data</c>.</value>
    public static Option<DirectoryInfo> DataDir() => new("--data-dir")
    {
        Description = "Data directory (SQLite, ledger, quarantine store); default $TWINGUARD_DATA_DIR or ./twinguard-data",
        DefaultValueFactory = _ => new DirectoryInfo(
            Environment.GetEnvironmentVariable(DataDirVariable) is { Length: > 0 } dir ? dir : "twinguard-data"),
    };

    /// <summary><c>--json</c>: print one machine-readable JSON document instead of a table.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Print machine-readable JSON" };
}
