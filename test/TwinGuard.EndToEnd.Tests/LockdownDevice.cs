using System.Diagnostics;
using System.Globalization;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A long-lived <c>mosquitto_pub -l</c> device: every line written to it is published on one connection, so the test
/// can see the broker cut that connection off.
/// </summary>
internal sealed class LockdownDevice : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private LockdownDevice(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static LockdownDevice Start(int port, string user, string password, string topic)
    {
        var start = new ProcessStartInfo("mosquitto_pub")
        {
            ArgumentList = { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1", "-u", user, "-P", password, "-t", topic, "-l", "-i", $"{user}-lockdown" },
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        try
        {
            return new LockdownDevice(Process.Start(start)!);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("mosquitto_pub is not installed: run ./test.sh, or apt-get install -y mosquitto-clients", ex);
        }
    }

    /// <summary>Publishes one line; false when the process is gone (cut off).</summary>
    public async Task<bool> SendAsync(string line)
    {
        if (_process.HasExited)
        {
            return false;
        }

        try
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public async Task<string> ErrorAsync()
    {
        await _process.WaitForExitAsync();
        return await _stderr;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
