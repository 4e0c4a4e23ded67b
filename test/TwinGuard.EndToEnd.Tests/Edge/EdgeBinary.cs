using System.Diagnostics;

namespace TwinGuard.EndToEnd.Tests.Edge;

/// <summary>
/// The Native AOT <c>twinguard-edge</c> the tests run as a real process: <c>TWINGUARD_EDGE_BIN</c> when CI published it
/// (.ci/run does, once: AOT publishing takes minutes), else published here once per test run into <c>artifacts/edge</c>.
/// </summary>
internal static class EdgeBinary
{
    private static readonly SemaphoreSlim Once = new(1, 1);
    private static string? _path;

    public static async Task<string> PathAsync()
    {
        await Once.WaitAsync();
        try
        {
            return _path ??= await LocateOrPublishAsync();
        }
        finally
        {
            Once.Release();
        }
    }

    private static async Task<string> LocateOrPublishAsync()
    {
        if (Environment.GetEnvironmentVariable("TWINGUARD_EDGE_BIN") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new FileNotFoundException($"TWINGUARD_EDGE_BIN names {given}, which does not exist");
        }

        var root = ServedSite.RepositoryRoot();
        var output = Path.Combine(root, "artifacts", "edge", "linux-x64");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var argument in (string[])["publish", "src/TwinGuard.Edge", "-c", "Release", "-r", "linux-x64", "-o", output, "--nologo"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        await process.WaitForExitAsync(deadline.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of twinguard-edge failed ({process.ExitCode}): {await stdout}{await stderr}");
        }

        return Path.Combine(output, "twinguard-edge");
    }
}
