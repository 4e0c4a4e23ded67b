using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Testing;

/// <summary>
/// A real third-party OPC UA server: node-opcua (npm, installed by test.sh into test/opcua-server) serving a simulated
/// pump on a free loopback port, driven through its stdin (test/opcua-server/server.js lists the commands).
/// </summary>
/// <remarks>
/// Both output pipes are read all the time, not only while a command waits for its answer: node writes to a pipe
/// synchronously, so a pipe nobody empties stops the whole server (its publish answers too) once 64 KiB of node-opcua's
/// warnings have piled up in it, which a loaded run with its timeouts and reconnects writes sooner.
/// </remarks>
internal sealed class NodeOpcUaServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ScriptOutput _output;
    private readonly SemaphoreSlim _commandLock = new(1, 1);

    private NodeOpcUaServer(Process process, ScriptOutput output, int port, string pki, string fingerprint)
    {
        _process = process;
        _output = output;
        Port = port;
        PkiDirectory = pki;
        Fingerprint = fingerprint;
    }

    public int Port { get; }

    /// <summary>The directory holding the server's certificate: the same directory on a restart keeps the certificate.</summary>
    public string PkiDirectory { get; }

    /// <summary>SHA-256 of the server certificate (DER), lower-case hex.</summary>
    public string Fingerprint { get; }

    public string Url => string.Create(CultureInfo.InvariantCulture, $"opc.tcp://127.0.0.1:{Port}/UA/Pump");

    /// <summary>Starts the server; a null <paramref name="pki"/> makes a new directory, hence a new certificate.</summary>
    /// <remarks>On a port of its own choosing (none given) it starts again on another when one was taken before it bound it.</remarks>
    public static Task<NodeOpcUaServer> StartAsync(string? pki = null, int? port = null, string policies = "none,basic256sha256,aes128_sha256_rsaoaep", int periodMs = 100, int extra = 0) =>
        port is { } given
            ? StartOnAsync(pki, given, policies, periodMs, extra)
            : LoopbackPorts.StartOnFreePortsAsync(() => StartOnAsync(pki, LoopbackPorts.Free(), policies, periodMs, extra));

    private static async Task<NodeOpcUaServer> StartOnAsync(string? pki, int chosenPort, string policies, int periodMs, int extra)
    {
        var directory = pki ?? Directory.CreateTempSubdirectory("twinguard-opcua-pki-").FullName;
        var info = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(ScriptDirectory(), "server.js"));
        info.ArgumentList.Add(chosenPort.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(directory);
        info.ArgumentList.Add("--policies");
        info.ArgumentList.Add(policies);
        info.ArgumentList.Add("--period");
        info.ArgumentList.Add(periodMs.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--extra");
        info.ArgumentList.Add(extra.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(info)!;
        var output = new ScriptOutput(process);
        // node-opcua writes its own warnings to stdout too: the script's lines are the ones that start with its words.
        // A hang guard: node-opcua makes its certificate with openssl at first start, which a loaded runner can stretch to
        // tens of seconds.
        var line = await output.ReadScriptLineAsync("listening ", TimeSpan.FromMinutes(3));
        var parts = line?.Split(' ') ?? [];
        if (parts.Length != 3 || parts[0] != "listening")
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            var error = await output.ErrorsAsync();
            process.Dispose();
            throw error.Contains("EADDRINUSE", StringComparison.Ordinal)
                ? new IOException($"node-opcua server: port {chosenPort} was taken before it bound it", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse))
                : new InvalidOperationException($"node-opcua server did not start ({line}): " + error);
        }

        return new NodeOpcUaServer(process, output, chosenPort, directory, parts[2]);
    }

    /// <summary>Sends one command and waits for the server to confirm it.</summary>
    public async Task CommandAsync(string command)
    {
        await _commandLock.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
            var reply = await _output.ReadScriptLineAsync("ok |error ", TimeSpan.FromSeconds(60));
            if (reply is null || !reply.StartsWith("ok ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"node-opcua server refused '{command}': {reply ?? "no answer"}; its errors: {_output.ErrorsSoFar()}");
            }
        }
        finally
        {
            _commandLock.Release();
        }
    }

    /// <summary>Waits for the next line of the script's output that starts with <paramref name="prefix"/> (e.g. "dropped ").</summary>
    public async Task<string?> WaitForOutputAsync(string prefix, TimeSpan timeout)
    {
        await _commandLock.WaitAsync();
        try
        {
            return await _output.ReadScriptLineAsync(prefix, timeout);
        }
        finally
        {
            _commandLock.Release();
        }
    }

    /// <summary>The script's stdout as lines, read as they come; its stderr kept (the last 64 KiB) for error messages.</summary>
    private sealed class ScriptOutput
    {
        private const int KeptErrorChars = 65_536;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        private readonly StringBuilder _errors = new();
        private readonly Task _errorReader;

        public ScriptOutput(Process process)
        {
            _ = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    _lines.Writer.TryWrite(line);
                }

                _lines.Writer.TryComplete();
            });
            _errorReader = Task.Run(async () =>
            {
                var buffer = new char[4096];
                int read;
                while ((read = await process.StandardError.ReadAsync(buffer)) > 0)
                {
                    lock (_errors)
                    {
                        _errors.Append(buffer, 0, read);
                        if (_errors.Length > KeptErrorChars)
                        {
                            _errors.Remove(0, _errors.Length - KeptErrorChars);
                        }
                    }
                }
            });
        }

        /// <summary>The next stdout line starting with one of the '|'-separated <paramref name="prefixes"/>; null at the deadline or the end.</summary>
        public async Task<string?> ReadScriptLineAsync(string prefixes, TimeSpan timeout)
        {
            var wanted = prefixes.Split('|');
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                while (await _lines.Reader.WaitToReadAsync(deadline.Token))
                {
                    while (_lines.Reader.TryRead(out var line))
                    {
                        if (wanted.Any(p => line.StartsWith(p, StringComparison.Ordinal)))
                        {
                            return line;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
            }

            return null;
        }

        /// <summary>All of stderr once the process has ended.</summary>
        public async Task<string> ErrorsAsync()
        {
            await Task.WhenAny(_errorReader, Task.Delay(TimeSpan.FromSeconds(10)));
            return ErrorsSoFar();
        }

        public string ErrorsSoFar()
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>The directory of server.js and its node_modules.</summary>
    public static string ScriptDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "test", "opcua-server");
            if (File.Exists(Path.Combine(path, "server.js")))
            {
                return Directory.Exists(Path.Combine(path, "node_modules", "node-opcua"))
                    ? path
                    : throw new InvalidOperationException($"node-opcua is not installed in {path}: run test.sh (npm ci there)");
            }
        }

        throw new FileNotFoundException($"test/opcua-server/server.js not found above {AppContext.BaseDirectory}");
    }


    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _commandLock.Dispose();
    }
}
