using System.Diagnostics;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>Runs Eclipse Mosquitto's <c>mosquitto_pub</c>: a real third-party MQTT client.</summary>
internal static class MosquittoPub
{
    public static async Task<(int ExitCode, string Error)> PublishAsync(int port, string user, string password, string topic, string message)
    {
        var start = new ProcessStartInfo("mosquitto_pub")
        {
            ArgumentList = { "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1", "-u", user, "-P", password, "-t", topic, "-m", message },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
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
