using System.Diagnostics;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>Runs Eclipse Mosquitto's <c>mosquitto_pub</c>: a real third-party MQTT client.</summary>
internal static class MosquittoPub
{
    /// <summary>Publishes one message with QoS 1 over MQTT 3.1.1 to the broker on 127.0.0.1; returns the exit code and stderr.</summary>
    /// <param name="port">The broker's port.</param>
    /// <param name="user">The MQTT user name (a device id).</param>
    /// <param name="password">Its password.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="message">The payload.</param>
    /// <param name="bindAddress">The local address to connect from (another loopback address plays another machine); any when null.</param>
    /// <param name="version">The protocol: <c>mqttv311</c> or <c>mqttv5</c>.</param>
    public static async Task<(int ExitCode, string Error)> PublishAsync(int port, string user, string password, string topic, string message, string? bindAddress = null, string version = "mqttv311")
    {
        var start = new ProcessStartInfo("mosquitto_pub")
        {
            ArgumentList = { "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", version, "-q", "1", "-u", user, "-P", password, "-t", topic, "-m", message },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        if (bindAddress is not null)
        {
            start.ArgumentList.Add("-A");
            start.ArgumentList.Add(bindAddress);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("mosquitto_pub is not installed: run ./test.sh, or apt-get install -y mosquitto-clients", ex);
        }

        using (process)
        {
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, error.Trim());
        }
    }
}
