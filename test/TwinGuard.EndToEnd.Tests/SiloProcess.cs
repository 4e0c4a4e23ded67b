using System.Diagnostics;
using System.Globalization;
using System.Text;
using TwinGuard.Server.Hosting;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>One <c>twinguard serve --cluster</c> process: a silo of a test cluster, with its own data directory and ports.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, string dataDirectory, int mqttPort, string clusterFile, int httpPort)
    {
        (_process, DataDirectory, MqttPort, ClusterFile, HttpPort) = (process, dataDirectory, mqttPort, clusterFile, httpPort);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string DataDirectory { get; }

    public int MqttPort { get; }

    /// <summary>The API's port (<c>http://127.0.0.1:PORT</c>).</summary>
    public int HttpPort { get; }

    public string ClusterFile { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a silo of cluster <paramref name="clusterId"/> whose membership and grain state are in <paramref name="redis"/>.</summary>
    /// <param name="plantFile">The plant model.</param>
    /// <param name="redis">The Redis configuration string.</param>
    /// <param name="clusterId">The cluster id.</param>
    /// <param name="snapshotEvery">How often the twins write their learned state.</param>
    /// <param name="ledgerDirectory">The cluster's one ledger (shared by the silos); each silo keeps its own when null.</param>
    /// <param name="records">The cluster's PostgreSQL records store (a connection string without password, and the password, written to a file of its own); SQLite in the data directory when null.</param>
    public static SiloProcess Start(string plantFile, string redis, string clusterId, TimeSpan snapshotEvery, string? ledgerDirectory = null, (string Connection, string Password)? records = null)
    {
        var dir = Directory.CreateTempSubdirectory("twinguard-silo-").FullName;
        var (siloPort, gatewayPort, mqttPort, httpPort) = (LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
        var clusterFile = Path.Combine(dir, "cluster.yaml");
        File.WriteAllText(clusterFile, string.Create(CultureInfo.InvariantCulture, $$"""
            cluster: { id: {{clusterId}} }
            membership: { redis: "{{redis}}" }
            silo: { address: 127.0.0.1, port: {{siloPort}}, gateway_port: {{gatewayPort}} }
            persistence: { snapshot_every: {{(int)snapshotEvery.TotalMilliseconds}}ms }
            """) + (ledgerDirectory is null ? string.Empty : $"\nledger: {{ directory: \"{ledgerDirectory}\" }}\n")
            + (records is { } r ? $"\nrecords: {{ postgresql: \"{r.Connection}\", password_file: pg.pass }}\n" : string.Empty));
        if (records is { } pg)
        {
            File.WriteAllText(Path.Combine(dir, "pg.pass"), pg.Password);
        }

        return Serve(dir, plantFile, Path.Combine(dir, "data"), mqttPort, httpPort, clusterFile);
    }

    /// <summary>A single-node <c>twinguard serve</c> (no cluster) on <paramref name="dataDirectory"/>, as a process that can be killed -9.</summary>
    public static SiloProcess StartAlone(string plantFile, string dataDirectory) =>
        Serve(Directory.CreateTempSubdirectory("twinguard-serve-").FullName, plantFile, dataDirectory, LoopbackPorts.Free(), LoopbackPorts.Free(), null);

    private static SiloProcess Serve(string dir, string plantFile, string dataDirectory, int mqttPort, int httpPort, string? clusterFile)
    {
        // No playbooks: the test decides every containment itself (the sample's would quarantine tank1's signals at its
        // first out-of-range value, and, since quarantines hold cluster-wide, refuse the readings the failover needs).
        var playbooks = Path.Combine(dir, "playbooks.yaml");
        File.WriteAllText(playbooks, "poll_interval: 1s\nplaybooks: []\n");
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "twinguard"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir,
        };
        foreach (var a in (string[])["serve", "--config", plantFile, "--data-dir", dataDirectory,
                     "--mqtt-port", mqttPort.ToString(CultureInfo.InvariantCulture), "--playbooks", playbooks, "--urls", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{httpPort}")])
        {
            start.ArgumentList.Add(a);
        }

        if (clusterFile is not null)
        {
            start.ArgumentList.Add("--cluster");
            start.ArgumentList.Add(clusterFile);
        }

        return new SiloProcess(Process.Start(start)!, dataDirectory, mqttPort, clusterFile ?? string.Empty, httpPort);
    }

    /// <summary>Runs <paramref name="test"/> on <paramref name="silos"/>: every silo's output is written when it fails, and every silo left is killed at the end.</summary>
    public static async Task RunAsync(IReadOnlyList<SiloProcess> silos, Xunit.Abstractions.ITestOutputHelper output, Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            foreach (var silo in silos)
            {
                output.WriteLine($"--- silo {silo.DataDirectory}\n{silo.Output}");
            }

            throw;
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>kill -9: the silo dies without deactivating anything.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops it: the host shuts down in order.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}
