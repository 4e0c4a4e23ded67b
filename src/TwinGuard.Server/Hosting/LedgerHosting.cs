using TwinGuard.Ledger;

namespace TwinGuard.Server.Hosting;

/// <summary>Opens a site's ledger with its key apart from the data directory, and says what a person should know.</summary>
internal static partial class LedgerHosting
{
    public static LedgerWriter Open(HostSettings settings, ILoggerFactory loggers)
    {
        var directory = Path.Combine(settings.DataDirectory, "ledger");
        var options = LedgerOptions.Default with { Key = settings.LedgerKey ?? LedgerKeyLocations.For(directory) };
        var ledger = LedgerWriter.Open(directory, options, settings.Time);
        var logger = loggers.CreateLogger("TwinGuard.Ledger");
        foreach (var warning in ledger.Warnings)
        {
            LedgerWarning(logger, warning);
        }

        return ledger;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ledger: {Warning}")]
    private static partial void LedgerWarning(ILogger logger, string warning);
}
