using System.Diagnostics;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>Runs the built <c>twinguard</c> executable as a user would, with stdout and stderr kept apart.</summary>
internal static class TwinGuardExecutable
{
    public static async Task<(int Code, string Output, string Error)> RunAsync(string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "twinguard"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(), // the scenarios, plant and playbooks are embedded
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await error);
    }
}
