using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using TwinGuard.Server.Hosting;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>One <c>twinguard serve --cluster</c> process: a silo of a test cluster, with its own data directory and ports.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    /// <summary>How long a silo may take to serve: a hang guard, minutes on a loaded machine are still a start.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    /// <summary>Starts a silo of cluster <paramref name="clusterId"/> whose membership and grain state are in <paramref name="redis"/>, and waits until it serves.</summary>
    /// <param name="plantFile">The plant model.</param>
    /// <param name="redis">The Redis configuration string.</param>
    /// <param name="clusterId">The cluster id.</param>
    /// <param name="snapshotEvery">How often the twins write their learned state.</param>
    /// <param name="ledgerDirectory">The cluster's one ledger (shared by the silos); each silo keeps its own when null.</param>
    /// <param name="records">The cluster's PostgreSQL records store (a connection string without password, and the password, written to a file of its own); SQLite in the data directory when null.</param>
    public static Task<SiloProcess> StartAsync(string plantFile, string redis, string clusterId, TimeSpan snapshotEvery, string? ledgerDirectory = null, (string Connection, string Password)? records = null) =>
        LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var dir = Directory.CreateTempSubdirectory("twinguard-silo-").FullName;
            var (siloPort, gatewayPort) = (LoopbackPorts.Free(), LoopbackPorts.Free());
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

            return await ServeAsync(dir, plantFile, Path.Combine(dir, "data"), clusterFile); // its silo ports picked anew when one was taken
        });

    /// <summary>Starts <paramref name="count"/> silos side by side, as a cluster's machines start; kills those started when one fails.</summary>
    public static async Task<List<SiloProcess>> StartAllAsync(int count, Func<Task<SiloProcess>> start)
    {
        var starting = Enumerable.Range(0, count).Select(_ => start()).ToList();
        try
        {
            return [.. await Task.WhenAll(starting)];
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>A single-node <c>twinguard serve</c> (no cluster) on <paramref name="dataDirectory"/>, as a process that can be killed -9; returns once it serves.</summary>
    public static Task<SiloProcess> StartAloneAsync(string plantFile, string dataDirectory) =>
        ServeAsync(Directory.CreateTempSubdirectory("twinguard-serve-").FullName, plantFile, dataDirectory, null);

    /// <summary>Runs <c>twinguard serve</c> with no playbooks (and <paramref name="clusterFile"/>, when given) and waits until it serves.</summary>
    private static Task<SiloProcess> ServeAsync(string dir, string plantFile, string dataDirectory, string? clusterFile)
    {
        // No playbooks: the test decides every containment itself (the sample's would quarantine tank1's signals at its
        // first out-of-range value, and, since quarantines hold cluster-wide, refuse the readings the failover needs).
        var playbooks = Path.Combine(dir, "playbooks.yaml");
        File.WriteAllText(playbooks, "poll_interval: 1s\nplaybooks: []\n");
        return StartServeAsync(
            (mqtt, http) => ["--config", plantFile, "--data-dir", dataDirectory, "--mqtt-port", mqtt, "--playbooks", playbooks, "--urls", http,
                .. clusterFile is null ? [] : (string[])["--cluster", clusterFile]],
            dir,
            dataDirectory,
            clusterFile ?? string.Empty);
    }

    /// <summary>
    /// Runs <c>twinguard serve</c> with the arguments <paramref name="arguments"/> makes from its MQTT port and API URL
    /// (from <see cref="LoopbackPorts"/>), and waits for its "serving site" line. When it exits first because one of its
    /// ports was taken meanwhile (by another process: CI runs test processes side by side), it is started again on new ports
    /// (<see cref="LoopbackPorts.StartOnFreePortsAsync{T}"/>).
    /// </summary>
    /// <param name="arguments">The arguments after <c>serve</c>, from the MQTT port and the API's URL.</param>
    /// <param name="workingDirectory">Where it runs.</param>
    /// <param name="dataDirectory">Its data directory (as the arguments name it).</param>
    /// <param name="clusterFile">Its cluster file, or empty.</param>
    /// <param name="environment">Variables set for it, beside this process's.</param>
    public static Task<SiloProcess> StartServeAsync(
        Func<string, string, IEnumerable<string>> arguments, string workingDirectory, string dataDirectory, string clusterFile = "", IReadOnlyDictionary<string, string>? environment = null) =>
        LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var (mqttPort, httpPort) = (LoopbackPorts.Free(), LoopbackPorts.Free());
            var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "twinguard"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = workingDirectory,
            };
            start.Environment["TWINGUARD_DEBUG"] = "1"; // a start-up failure prints its inner exceptions: the one that says which port was taken
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[name] = value;
            }

            start.ArgumentList.Add("serve");
            foreach (var a in arguments(mqttPort.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{httpPort}")))
            {
                start.ArgumentList.Add(a);
            }

            var silo = new SiloProcess(Process.Start(start)!, dataDirectory, mqttPort, clusterFile, httpPort);
            await silo.WaitServingAsync();
            return silo;
        });

    /// <summary>Waits for the process's "serving site" line (a generous hang guard: a loaded machine starts a silo slowly).</summary>
    private async Task WaitServingAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_serving.Task, exited, Task.Delay(StartTimeout));
        if (first == _serving.Task)
        {
            return;
        }

        if (first == exited)
        {
            await Task.Delay(200); // the last lines of its output are read on another thread
            var (output, code) = (Output, _process.ExitCode);
            _process.Dispose();
            if (output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new IOException("twinguard serve: a port was taken before it bound it: " + output, new SocketException((int)SocketError.AddressAlreadyInUse));
            }

            throw new InvalidOperationException($"twinguard serve exited with {code} before serving: {output}");
        }

        await KillAsync();
        throw new TimeoutException($"twinguard serve did not serve within {StartTimeout.TotalSeconds} s: {Output}");
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

        if (line.Contains("serving site", StringComparison.Ordinal))
        {
            _serving.TrySetResult();
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
