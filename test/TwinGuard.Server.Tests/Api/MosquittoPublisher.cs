using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TwinGuard.Server.Tests.Api;

/// <summary>Publishes readings as a device would, with a real third-party MQTT client (<c>mosquitto_pub -l</c>).</summary>
internal static partial class MosquittoPublisher
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

    /// <summary>
    /// Publishes one message at QoS 1 with <c>mosquitto_pub -d</c> in protocol <paramref name="version"/>
    /// (<c>mqttv5</c>, <c>mqttv311</c>); returns the PUBACK's reason code as it printed it.
    /// </summary>
    public static async Task<int> PublishOnceAsync(int port, string version, string user, string password, string topic, string payload)
    {
        var start = new ProcessStartInfo("mosquitto_pub") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", version, "-q", "1", "-d",
                     "-u", user, "-P", password, "-t", topic, "-m", payload])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto_pub did not start (apt-get install mosquitto-clients)");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        await process.WaitForExitAsync(deadline.Token);
        var printed = await output + await error;

        // mosquitto_pub -d: "Client ... received PUBACK (Mid: 1, RC:131)".
        return PubAck().Match(printed) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new Xunit.Sdk.XunitException("no PUBACK in: " + printed);
    }

    [GeneratedRegex(@"received PUBACK \(Mid: \d+, RC:(\d+)\)")]
    private static partial Regex PubAck();
}
