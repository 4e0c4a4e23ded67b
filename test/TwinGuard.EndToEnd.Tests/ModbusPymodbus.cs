using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>Debian's python3-pymodbus as the PLC and as a client, through the scripts of the Ingest tests.</summary>
internal sealed class ModbusPymodbus : IAsyncDisposable
{
    private readonly Process _process;

    private ModbusPymodbus(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<ModbusPymodbus> StartPlcAsync(int port, params (int Address, int Value)[] holding)
    {
        var info = Python("pymodbus_plc.py", port.ToString(CultureInfo.InvariantCulture));
        info.RedirectStandardInput = true;
        foreach (var (address, value) in holding)
        {
            info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"{address}={value}"));
        }

        var process = Process.Start(info)!;
        if (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) != "listening")
        {
            throw new InvalidOperationException("pymodbus PLC did not start: " + await process.StandardError.ReadToEndAsync());
        }

        return new ModbusPymodbus(process, port);
    }

    /// <summary>One request with the pymodbus client; returns (ok, registers, exception code).</summary>
    public static async Task<(bool Ok, int[] Registers, int? Exception)> ClientAsync(int port, string operation, params int[] arguments)
    {
        var info = Python("pymodbus_client.py", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), operation);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument.ToString(CultureInfo.InvariantCulture));
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync();
        using var doc = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        var root = doc.RootElement;
        return (root.GetProperty("ok").GetBoolean(),
            root.TryGetProperty("registers", out var r) ? r.EnumerateArray().Select(e => e.GetInt32()).ToArray() : [],
            root.TryGetProperty("exception", out var e) ? e.GetInt32() : null);
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

    private static ProcessStartInfo Python(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(ServedSite.RepositoryRoot(), "test", "TwinGuard.Ingest.Tests", "Modbus", script));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
