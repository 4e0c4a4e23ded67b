using System.Diagnostics;
using System.Globalization;
using TwinGuard.EndToEnd.Tests.Network;

namespace TwinGuard.EndToEnd.Tests.Sharing;

/// <summary>
/// A device on another host of the plant network: <c>mosquitto_pub -l</c> run inside a <see cref="PlantNetwork"/>'s
/// namespace (one connection, one message per line written to it, QoS 1).
/// </summary>
internal sealed class NetnsPublisher : IDisposable
{
    private readonly Process _process;

    private NetnsPublisher(Process process) => _process = process;

    public static NetnsPublisher Start(PlantNetwork network, int port, string user, string password, string topic)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["netns", "exec", network.Name, "mosquitto_pub", "-h", network.HostIPv4, "-p", port.ToString(CultureInfo.InvariantCulture),
                     "-V", "mqttv311", "-q", "1", "-u", user, "-P", password, "-t", topic, "-l"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.StandardInput.AutoFlush = true;
        return new NetnsPublisher(process);
    }

    /// <summary>One message from this host (not the namespace) to <paramref name="host"/>.</summary>
    public static async Task<(int Code, string Error)> PublishHereAsync(string host, int port, string user, string password, string topic, string message)
    {
        var start = new ProcessStartInfo("mosquitto_pub") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1", "-u", user, "-P", password, "-t", topic, "-m", message])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error.Trim());
    }

    public Task SendAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
