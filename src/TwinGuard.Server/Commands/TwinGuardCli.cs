using System.CommandLine;

namespace TwinGuard.Server.Commands;

/// <summary>The <c>twinguard</c> command line: one place that lists every command.</summary>
/// <remarks>
/// DESIGN.md's command-line contract: every error is one clear line on stderr and a non-zero exit code.
/// Commands report bad input by throwing <see cref="CommandLineException"/>, <see cref="FormatException"/>,
/// <see cref="InvalidDataException"/> or <see cref="IOException"/>; anything else is a bug and says so.
/// </remarks>
internal static class TwinGuardCli
{
    /// <summary>Exit code for bad input (a wrong argument, a malformed file).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for an unexpected internal failure.</summary>
    public const int InternalError = 70;

    public static RootCommand Build() => new("TwinGuard: security automation for industrial digital twins")
    {
        DemoCommand.Create(),
        ServeCommand.Create(),
        ClusterCommand.Create(),
        FindingsCommand.CreateFindings(),
        FindingsCommand.CreateIncidents(),
        HashPasswordCommand.Create(),
        DeviceSecretCommand.Create(),
        CertsCommand.Create(),
        BenchCommand.Create(),
        LedgerCommand.Create(),
        IntelCommand.Create(),
        DetectCommand.Create(),
        CalibrateCommand.Create(),
        EvaluateCommand.Create(),
        PlaybookCommand.Create(),
        QuarantineCommand.Create(),
        ApprovalsCommand.Create(),
        SimulateCommand.Create(),
        KeysCommand.Create(),
        WitnessCommand.Create(),
        OpcUaCommand.Create(),
        ComplianceCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var parseResult = Build().Parse(args);
        try
        {
            return await parseResult.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is CommandLineException or Offline.DetectRequestException or FormatException or InvalidDataException or IOException
                                       or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"twinguard: {ex.Message}");
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"twinguard: internal error: {ex.GetType().Name}: {ex.Message}");
            if (Environment.GetEnvironmentVariable("TWINGUARD_DEBUG") is not null)
            {
                await Console.Error.WriteLineAsync(ex.ToString());
            }

            return InternalError;
        }
    }
}
