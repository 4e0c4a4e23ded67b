using Microsoft.Extensions.Logging.Console;

namespace TwinGuard.Server.Hosting;

/// <summary>The one console logging set-up of every host the CLI starts: single lines, all of them on stderr.</summary>
/// <remarks>
/// Standard output belongs to the command's own result: <c>--json</c> output must parse as JSON alone, and a warning
/// from Orleans or ASP.NET Core printed before it (the console logger's default is stdout) broke every consumer.
/// </remarks>
internal static class StandardErrorLogging
{
    /// <summary>Replaces the builder's providers with one single-line console logger that writes to stderr.</summary>
    public static ILoggingBuilder AddStandardErrorConsole(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(LogLevel.Warning);
        // Orleans' watchdog warns about CPU starvation whenever a 2-core machine is busy; errors still show.
        logging.AddFilter("Orleans", LogLevel.Error);
        return logging;
    }
}
