using System.Diagnostics;
using System.Globalization;
using TwinGuard.Server.Hosting;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>A real <c>redis-server</c> (Debian's Redis 7) on a free loopback port, started and stopped by a test.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port) => (_process, Port) = (process, port);

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Configuration => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>
    /// Starts one and waits until it answers as itself (its process id): a port taken meanwhile by another process (CI
    /// runs test processes side by side, each with Redis servers of its own) starts it again on another, where a PONG from
    /// the other process's server used to pass for this one's.
    /// </summary>
    public static Task<RedisServer> StartAsync() => LoopbackPorts.StartOnFreePortsAsync(async () =>
    {
        var port = LoopbackPorts.Free();
        var dir = Directory.CreateTempSubdirectory("twinguard-redis-").FullName;
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", string.Empty, "--appendonly", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not installed: run ./test.sh, or apt-get install -y redis-server", ex);
        }

        var said = new System.Text.StringBuilder();
        DataReceivedEventHandler keep = (_, e) =>
        {
            lock (said)
            {
                said.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, port);
        var itself = string.Create(CultureInfo.InvariantCulture, $"process_id:{process.Id}");
        var deadline = DateTime.UtcNow.AddSeconds(60); // a hang guard: a loaded machine is slow, not stuck
        while (!(await server.CliAsync("INFO", "server")).Contains(itself, StringComparison.Ordinal))
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // and its output read
                string output;
                lock (said)
                {
                    output = said.ToString();
                }

                throw output.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new IOException($"redis-server: port {port} was taken before it bound it", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse))
                    : new InvalidOperationException($"redis-server on port {port} exited: {output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"redis-server on port {port} did not answer");
            }

            await Task.Delay(50);
        }

        return server;
    });

    /// <summary>Runs <c>redis-cli</c> against this server and returns its output.</summary>
    public async Task<string> CliAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-p", Port.ToString(CultureInfo.InvariantCulture), .. arguments])
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
