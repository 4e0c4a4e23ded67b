using System.Diagnostics;
using System.Globalization;

namespace TwinGuard.Server.Tests.Api;

/// <summary>Publishes readings as a device would, with a real third-party MQTT client (<c>mosquitto_pub -l</c>).</summary>
internal static class MosquittoPublisher
{
    public static async Task PublishAsync(int port, string user, string password, string topic, IEnumerable<string> lines)
    {
        var start = new ProcessStartInfo("mosquitto_pub")
        {
            ArgumentList = { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1", "-u", user, "-P", password, "-t", topic, "-l" },
            RedirectStandardInput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto_pub did not start (apt-get install mosquitto-clients)");
        foreach (var line in lines)
        {
            await process.StandardInput.WriteLineAsync(line);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "mosquitto_pub: " + await process.StandardError.ReadToEndAsync());
    }
}
