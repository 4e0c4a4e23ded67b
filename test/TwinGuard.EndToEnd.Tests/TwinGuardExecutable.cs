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
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed, not left running beside the other tests, and what it wrote goes with the failure: in CI a simulate
            // run outlasted its 10 minutes (1.5-3 in every other run) and the test said only "A task was canceled".
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException(
                $"twinguard {string.Join(' ', arguments)} still ran after {timeout.TotalSeconds:0} s and was killed; stderr ends: {Tail(await error)}; stdout ends: {Tail(await output)}");
        }

        return (process.ExitCode, await output, await error);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "..." + text[^4000..];
}
