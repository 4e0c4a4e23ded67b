using System.Diagnostics;
using System.Text.Json;

namespace TwinGuard.Server.Bench;

/// <summary>Runs scikit-learn's IsolationForest through ../shared/peers/sklearn_iforest.py in the same benchmark run.</summary>
/// <remarks>
/// Needs Debian's <c>/usr/bin/python3</c> with <c>python3-sklearn</c>. The script location comes from
/// <c>TWINGUARD_PEERS_DIR</c>, else <c>../shared/peers</c> relative to the working directory or its parents.
/// </remarks>
internal static class IForestPeer
{
    public const string Python = "/usr/bin/python3";

    public static string? ScriptPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("TWINGUARD_PEERS_DIR");
        if (fromEnvironment is not null)
        {
            var path = Path.Combine(fromEnvironment, "sklearn_iforest.py");
            return File.Exists(path) ? path : null;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "peers", "sklearn_iforest.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }

            candidate = Path.Combine(dir.FullName, "..", "shared", "peers", "sklearn_iforest.py");
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }

    /// <summary>Runs the peer; returns its JSON line, or null with the reason when it cannot run.</summary>
    public static async Task<(JsonElement? Result, string? Problem)> RunAsync(string script, IEnumerable<string> arguments,
        CancellationToken ct)
    {
        if (!File.Exists(Python))
        {
            return (null, $"{Python} not found");
        }

        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new IOException($"could not start {Python}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var output = await stdout;
        var errors = await stderr;
        if (process.ExitCode != 0)
        {
            var last = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "no output";
            return (null, $"sklearn_iforest.py exited with {process.ExitCode}: {last}");
        }

        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return line is null ? (null, "sklearn_iforest.py printed nothing") : (JsonDocument.Parse(line).RootElement.Clone(), null);
    }
}
