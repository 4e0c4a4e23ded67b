using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Bench;

/// <summary>
/// mosquitto, the peer some benchmarks compare against and the external broker some tests run TwinGuard beside, on
/// ports from <see cref="LoopbackPorts"/>: started again on new ports when one was taken between being picked and being
/// bound (CI runs <c>bench ... --quick</c> and the test processes side by side).
/// </summary>
/// <remarks>
/// Ready is its own "running" line, printed once every listener is open: a connection alone may reach another process
/// that took the port. Unless asked for every line, only error and information lines are logged (no line per connection,
/// which would cost mosquitto time in the measured rounds), and the log is read all the time so that the pipe never
/// fills and blocks the broker.
/// </remarks>
internal sealed class MosquittoPeer : IDisposable
{
    private readonly Process _process;
    private readonly string _config;
    private readonly StringBuilder _log = new();
    private readonly int _logLimit;

    private MosquittoPeer(Process process, string config, int[] ports, int logLimit)
    {
        _process = process;
        _config = config;
        _logLimit = logLimit;
        Ports = ports;
    }

    /// <summary>The ports of its listeners, in the order the configuration was given them.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>Starts mosquitto with the listeners <paramref name="listeners"/> writes for <paramref name="portCount"/> free ports.</summary>
    /// <param name="directory">Where its configuration file goes (deleted on dispose).</param>
    /// <param name="portCount">How many ports its listeners take.</param>
    /// <param name="listeners">The configuration (listeners and their settings) for the ports picked.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <param name="logAll">
    /// Every log line (connections, disconnections, refusals; the first 4 MiB), for tests that read what the broker did
    /// in <see cref="Log"/>; otherwise error and information lines only (the first 64 KiB).
    /// </param>
    public static Task<MosquittoPeer> StartAsync(string directory, int portCount, Func<int[], string> listeners, CancellationToken ct, bool logAll = false) =>
        LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var ports = Enumerable.Range(0, portCount).Select(_ => LoopbackPorts.Free()).ToArray();
            var config = Path.Combine(directory, $"mosquitto-{ports[0]}.conf");
            var logging = logAll ? "log_dest stderr\nlog_type all\n" : "log_dest stderr\nlog_type error\nlog_type information\n";
            await File.WriteAllTextAsync(config, logging + listeners(ports), ct);
            var process = new Process { StartInfo = new ProcessStartInfo("mosquitto", ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true } };
            var peer = new MosquittoPeer(process, config, ports, logAll ? 4 * 1024 * 1024 : 64 * 1024);
            process.ErrorDataReceived += (_, e) => peer.Append(e.Data);
            process.OutputDataReceived += (_, e) => peer.Append(e.Data);
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            try
            {
                await peer.WaitUntilRunningAsync(ct);
                return peer;
            }
            catch
            {
                peer.Dispose();
                throw;
            }
        });

    private async Task WaitUntilRunningAsync(CancellationToken ct)
    {
        // A hang guard, not a speed goal: a loaded machine starts it in well under a minute.
        var deadline = Stopwatch.StartNew();
        while (!Log.Contains(" running", StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(ct); // and its output read
                throw Log.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new IOException("mosquitto: a port was taken before it bound it: " + Log, new SocketException((int)SocketError.AddressAlreadyInUse))
                    : new InvalidOperationException("mosquitto exited at start: " + Log);
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new TimeoutException("mosquitto did not say it was running within a minute: " + Log);
            }

            await Task.Delay(10, ct);
        }
    }

    /// <summary>What mosquitto logged so far (see <c>logAll</c> of <see cref="StartAsync"/>), for failure messages and tests.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        lock (_log)
        {
            // Bounded: start-up lines are a few hundred bytes, unless something repeats; a test's traffic stays far below 4 MiB.
            if (line is not null && _log.Length < _logLimit)
            {
                _log.AppendLine(line);
            }
        }
    }

    /// <summary>Stops it (also when a run failed: the peer must not outlive the benchmark) and deletes its configuration.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
        File.Delete(_config);
    }
}
