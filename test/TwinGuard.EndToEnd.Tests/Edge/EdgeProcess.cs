using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using TwinGuard.Server.Hosting;

namespace TwinGuard.EndToEnd.Tests.Edge;

/// <summary>A running <c>twinguard-edge run</c>: its standard error kept line by line for the test to wait on.</summary>
internal sealed class EdgeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private EdgeProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _lines.Enqueue(line);
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public IReadOnlyList<string> Lines => [.. _lines];

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the agent with the arguments <paramref name="arguments"/> makes and returns once it listens to devices. When
    /// it exits first because a port was taken between being found free and being bound (another process may take it:
    /// CI runs test processes side by side), it is started again with arguments made anew, so on ports picked again.
    /// </summary>
    public static Task<EdgeProcess> StartAsync(Func<IReadOnlyList<string>> arguments) =>
        LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var start = new ProcessStartInfo(await EdgeBinary.PathAsync()) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in arguments())
            {
                start.ArgumentList.Add(argument);
            }

            var edge = new EdgeProcess(Process.Start(start)!);
            try
            {
                // A hang guard: a loaded machine starts a process slowly.
                await Testing.Eventually.HoldsAsync(() => edge.Lines.Any(l => l.Contains("devices on", StringComparison.Ordinal)) || edge.HasExited, l => l, TimeSpan.FromSeconds(120), "the edge to listen");
                if (edge.HasExited)
                {
                    await edge._process.WaitForExitAsync(); // and its last lines read
                    var said = string.Join('\n', edge.Lines);
                    throw said.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                        ? new IOException("twinguard-edge: a port was taken before it bound it: " + said, new SocketException((int)SocketError.AddressAlreadyInUse))
                        : new InvalidOperationException("twinguard-edge exited before listening: " + said);
                }

                return edge;
            }
            catch
            {
                await edge.DisposeAsync();
                throw;
            }
        });

    /// <summary>Runs the binary to completion (a one-shot command such as <c>key</c>).</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(await EdgeBinary.PathAsync()) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await error);
    }

    public Task<string> LineAsync(Func<string, bool> match, TimeSpan timeout, string what) =>
        Testing.Eventually.HoldsAsync(() => Lines.FirstOrDefault(match) ?? string.Empty, l => l.Length > 0 || HasExited, timeout, what)
            .ContinueWith(t => t.Result.Length > 0 ? t.Result : throw new InvalidOperationException($"twinguard-edge exited before {what}:\n{string.Join('\n', Lines)}"),
                TaskScheduler.Default);

    /// <summary>Stops the agent as a service manager would (SIGTERM) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
