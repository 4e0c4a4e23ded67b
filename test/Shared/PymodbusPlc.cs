using System.Diagnostics;
using System.Globalization;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Testing;

/// <summary>A real third-party Modbus TCP server: Debian's python3-pymodbus, run by pymodbus_plc.py on a free loopback port.</summary>
internal sealed class PymodbusPlc : IAsyncDisposable
{
    private readonly Process _process;

    private PymodbusPlc(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>
    /// Starts the PLC; <paramref name="holding"/> sets holding registers (address, value) before it listens. On a port of
    /// its own choosing (none given) it starts again on another when one was taken before it bound it.
    /// </summary>
    public static Task<PymodbusPlc> StartAsync(int? port = null, params (int Address, int Value)[] holding) =>
        port is { } given ? StartOnAsync(given, holding) : LoopbackPorts.StartOnFreePortsAsync(() => StartOnAsync(LoopbackPorts.Free(), holding));

    private static async Task<PymodbusPlc> StartOnAsync(int port, (int Address, int Value)[] holding)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Script("pymodbus_plc.py"));
        info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        foreach (var (address, value) in holding)
        {
            info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"{address}={value}"));
        }

        var process = Process.Start(info)!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)); // a hang guard
        if (line != "listening")
        {
            var error = await process.StandardError.ReadToEndAsync();
            process.Dispose();
            throw error.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                ? new IOException($"pymodbus PLC: port {port} was taken before it bound it", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse))
                : new InvalidOperationException("pymodbus PLC did not start: " + error);
        }

        return new PymodbusPlc(process, port);
    }

    /// <summary>Runs pymodbus_client.py once (a real third-party client) and returns its JSON line.</summary>
    public static async Task<PymodbusResult> ClientAsync(int port, string operation, params int[] arguments)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Script("pymodbus_client.py"));
        info.ArgumentList.Add("127.0.0.1");
        info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(operation);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument.ToString(CultureInfo.InvariantCulture));
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync();
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidOperationException("pymodbus client printed nothing: " + await process.StandardError.ReadToEndAsync());
        return PymodbusResult.Parse(line);
    }


    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static string Script(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "test", "TwinGuard.Ingest.Tests", "Modbus", name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"{name} not found above {AppContext.BaseDirectory}");
    }
}
