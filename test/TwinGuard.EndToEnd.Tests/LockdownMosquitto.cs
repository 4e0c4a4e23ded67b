using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>A real mosquitto 2 with the dynamic-security plugin on a free port, provisioned with mosquitto_ctrl.</summary>
internal sealed class LockdownMosquitto : IAsyncDisposable
{
    public const string AdminUser = "twinguard-admin";
    public const string AdminPassword = "admin-secret";
    private const string Plugin = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";
    private readonly Process _process;
    private readonly string _directory;
    private readonly System.Text.StringBuilder _log = new();

    private LockdownMosquitto(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>mosquitto's own log (-v), for failure messages.</summary>
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
            _log.AppendLine(line);
        }
    }

    /// <summary>The TLS listener's port, when started with TLS.</summary>
    public int TlsPort { get; private init; }

    public static Task<LockdownMosquitto> StartAsync(params (string User, string Password)[] devices) => StartAsync(null, devices);

    /// <summary>With <paramref name="tls"/>, a second listener (port <see cref="TlsPort"/>) speaks TLS with these PEM files and requires client certificates.</summary>
    public static async Task<LockdownMosquitto> StartAsync((string CaFile, string CertificateFile, string KeyFile)? tls, params (string User, string Password)[] devices)
    {
        var plugin = File.Exists(Plugin) ? Plugin
            : throw new InvalidOperationException($"mosquitto's dynamic-security plugin is not at {Plugin}: apt-get install -y mosquitto (2.0 or later)");
        var directory = Directory.CreateTempSubdirectory("twinguard-mosquitto-").FullName;
        var dynsec = Path.Combine(directory, "dynamic-security.json");
        await RunAsync("mosquitto_ctrl", "dynsec", "init", dynsec, AdminUser, AdminPassword);
        // Started again on new ports when one was taken between being found free and being bound (by another process).
        var broker = await TwinGuard.Server.Hosting.LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var port = TwinGuard.Server.Hosting.LoopbackPorts.Free();
            var config = Path.Combine(directory, "mosquitto.conf");
            var tlsPort = TwinGuard.Server.Hosting.LoopbackPorts.Free();
            var tlsListener = tls is { } files
                ? $"listener {tlsPort} 127.0.0.1\ncafile {files.CaFile}\ncertfile {files.CertificateFile}\nkeyfile {files.KeyFile}\nrequire_certificate true\ntls_version tlsv1.2\n"
                : string.Empty;
            await File.WriteAllTextAsync(config, tlsListener + $"""
                listener {port} 127.0.0.1
                allow_anonymous false
                persistence false
                user {Environment.UserName}
                plugin {plugin}
                plugin_opt_config_file {dynsec}
                """);
            var process = new Process { StartInfo = new ProcessStartInfo("mosquitto") { ArgumentList = { "-c", config, "-v" }, RedirectStandardError = true, RedirectStandardOutput = true } };
            var started = new LockdownMosquitto(process, directory, port) { TlsPort = tlsPort };
            process.ErrorDataReceived += (_, e) => started.Append(e.Data);
            process.OutputDataReceived += (_, e) => started.Append(e.Data);
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            // Its own "running" line, after every listener is open: a connection alone may reach another process on a port
            // taken meanwhile. A hang guard, not a speed goal.
            await Eventually.HoldsAsync(() => started.Log.Contains(" running", StringComparison.Ordinal) || process.HasExited, up => up, TimeSpan.FromSeconds(60), "mosquitto listening");
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // and its output read
                var log = started.Log;
                process.Dispose(); // the directory stays: the next try uses its dynamic-security file
                throw log.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new IOException("mosquitto: a port was taken before it bound it: " + log, new SocketException((int)SocketError.AddressAlreadyInUse))
                    : new InvalidOperationException("mosquitto exited at start: " + log);
            }

            return started;
        });

        await broker.CtrlAsync("createRole", "device");
        await broker.CtrlAsync("addRoleACL", "device", "publishClientSend", "plant/#", "allow");
        foreach (var (user, password) in devices)
        {
            await broker.CtrlAsync("createClient", user, "-p", password);
            await broker.CtrlAsync("addClientRole", user, "device");
        }

        return broker;
    }

    /// <summary>Runs <c>mosquitto_ctrl dynsec ...</c> against the running broker, as an administrator would.</summary>
    public Task CtrlAsync(params string[] arguments) =>
        RunAsync("mosquitto_ctrl", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-u", AdminUser, "-P", AdminPassword, "dynsec", .. arguments]);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left behind in /tmp: harmless.
        }
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        // mosquitto_ctrl reports a refused command on its output with exit code 0.
        Assert.True(process.ExitCode == 0 && !output.Contains("Error", StringComparison.Ordinal) && !error.Contains("Error", StringComparison.Ordinal),
            $"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}{output}");
    }
}
