using System.Diagnostics;
using System.Globalization;
using Npgsql;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Testing;

/// <summary>
/// A real PostgreSQL (Debian's <c>postgresql</c> package, 15) in a temporary directory on a free loopback port, with
/// password authentication, started and stopped by a test. As root (CI) it runs as the <c>postgres</c> user, since
/// <c>initdb</c> and the server refuse root.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>The password of the server's superuser <c>twinguard</c>: tests check it never leaks.</summary>
    public const string Password = "s3cret-Pg-pass-7f1c";

    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-pg-").FullName;
    private string _bin = string.Empty;
    private int _databases;

    public int Port { get; private set; }

    private string DataDirectory => Path.Combine(_dir, "data");

    /// <summary>A connection string to a new, empty database on this server.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"t{Interlocked.Increment(ref _databases)}");
        await using (var admin = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await cmd.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Database={database};Username=twinguard;Password={Password};Pooling=true");

    public async Task InitializeAsync()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault() ?? string.Empty
            : string.Empty;
        if (_bin.Length == 0)
        {
            throw new InvalidOperationException("PostgreSQL is not installed: run ./test.sh, or apt-get install -y postgresql");
        }

        var passwordFile = Path.Combine(_dir, "pw");
        await File.WriteAllTextAsync(passwordFile, Password);
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "-R", "postgres:postgres", _dir);
        }

        await RunAsync(Path.Combine(_bin, "initdb"), "-D", DataDirectory, "-U", "twinguard", "--auth=scram-sha-256", "--pwfile=" + passwordFile, "-E", "UTF8", "--no-sync");
        // The port is picked as the server starts, not before initdb (seconds earlier), and picked again when another
        // process took it before the server bound it.
        Port = await LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var port = LoopbackPorts.Free();
            var options = string.Create(CultureInfo.InvariantCulture, $"-p {port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off");
            var log = Path.Combine(_dir, string.Create(CultureInfo.InvariantCulture, $"log-{port}"));
            try
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), "-D", DataDirectory, "-o", options, "-l", log, "-w", "-t", "120", "start");
            }
            catch (InvalidOperationException) when (File.Exists(log) && File.ReadAllText(log).Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new IOException($"PostgreSQL: port {port} was taken before it bound it", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse));
            }

            return port;
        });
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }


    /// <summary>Runs a command (as <c>postgres</c> when this process is root, except chown); throws with its output when it fails.</summary>
    private static async Task RunAsync(string program, params string[] arguments)
    {
        var asPostgres = Environment.UserName == "root" && program != "chown";
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in asPostgres ? ["-u", "postgres", "--", program, .. arguments] : arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited {process.ExitCode}: {await output} {await error}");
        }
    }
}
