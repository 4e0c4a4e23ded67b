using System.Diagnostics;
using System.Globalization;
using TwinGuard.Server.Bench;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A real mosquitto 2 with the dynamic-security plugin on a free port (started by <see cref="MosquittoPeer"/>, every log
/// line kept), provisioned with mosquitto_ctrl.
/// </summary>
internal sealed class LockdownMosquitto : IAsyncDisposable
{
    public const string AdminUser = "twinguard-admin";
    public const string AdminPassword = "admin-secret";
    private const string Plugin = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";
    private readonly MosquittoPeer _broker;
    private readonly string _directory;

    private LockdownMosquitto(MosquittoPeer broker, string directory)
    {
        _broker = broker;
        _directory = directory;
    }

    public int Port => _broker.Ports[0];

    /// <summary>mosquitto's own log (every line), for failure messages.</summary>
    public string Log => _broker.Log;

    /// <summary>The TLS listener's port, when started with TLS.</summary>
    public int TlsPort => _broker.Ports.Count > 1 ? _broker.Ports[1] : throw new InvalidOperationException("mosquitto was started without TLS");

    public static Task<LockdownMosquitto> StartAsync(params (string User, string Password)[] devices) => StartAsync(null, devices);

    /// <summary>With <paramref name="tls"/>, a second listener (port <see cref="TlsPort"/>) speaks TLS with these PEM files and requires client certificates.</summary>
    public static async Task<LockdownMosquitto> StartAsync((string CaFile, string CertificateFile, string KeyFile)? tls, params (string User, string Password)[] devices)
    {
        var plugin = File.Exists(Plugin) ? Plugin
            : throw new InvalidOperationException($"mosquitto's dynamic-security plugin is not at {Plugin}: apt-get install -y mosquitto (2.0 or later)");
        var directory = Directory.CreateTempSubdirectory("twinguard-mosquitto-").FullName;
        var dynsec = Path.Combine(directory, "dynamic-security.json");
        await RunAsync("mosquitto_ctrl", "dynsec", "init", dynsec, AdminUser, AdminPassword);
        // Each try (another on new ports when one was taken before mosquitto bound it) uses the same dynamic-security file.
        var broker = new LockdownMosquitto(await MosquittoPeer.StartAsync(directory, tls is null ? 1 : 2, ports =>
            (tls is { } files
                ? $"listener {ports[1]} 127.0.0.1\ncafile {files.CaFile}\ncertfile {files.CertificateFile}\nkeyfile {files.KeyFile}\nrequire_certificate true\ntls_version tlsv1.2\n"
                : string.Empty) + $"""
                listener {ports[0]} 127.0.0.1
                allow_anonymous false
                persistence false
                user {Environment.UserName}
                plugin {plugin}
                plugin_opt_config_file {dynsec}

                """, CancellationToken.None, logAll: true), directory);
        try
        {
            await broker.CtrlAsync("createRole", "device");
            await broker.CtrlAsync("addRoleACL", "device", "publishClientSend", "plant/#", "allow");
            foreach (var (user, password) in devices)
            {
                await broker.CtrlAsync("createClient", user, "-p", password);
                await broker.CtrlAsync("addClientRole", user, "device");
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return broker;
    }

    /// <summary>Runs <c>mosquitto_ctrl dynsec ...</c> against the running broker, as an administrator would.</summary>
    public Task CtrlAsync(params string[] arguments) =>
        RunAsync("mosquitto_ctrl", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-u", AdminUser, "-P", AdminPassword, "dynsec", .. arguments]);

    public ValueTask DisposeAsync()
    {
        _broker.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left behind in /tmp: harmless.
        }

        return ValueTask.CompletedTask;
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
