using System.Diagnostics;
using System.Globalization;

namespace TwinGuard.EndToEnd.Tests.Edge;

/// <summary>
/// One device publishing readings through <c>mosquitto_pub -l</c> (one connection, one message per line of its
/// standard input, QoS 1): a real third-party client that the test feeds at the device's pace.
/// </summary>
internal sealed class DeviceStream : IAsyncDisposable
{
    private readonly Process _process;

    public DeviceStream(int port, string device, string password, string topic)
    {
        var start = new ProcessStartInfo("mosquitto_pub")
        {
            ArgumentList = { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1", "-u", device, "-P", password, "-t", topic, "-l" },
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        _process = Process.Start(start)!;
        _process.StandardInput.AutoFlush = true;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Publishes one reading of tank1 with sequence number <paramref name="sequence"/>, stamped now.</summary>
    public Task PublishAsync(long sequence, double level, double temperature) =>
        _process.StandardInput.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{{\"ts\": {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}, \"seq\": {sequence}, \"values\": {{\"level\": {level:F4}, \"fluid_temp\": {temperature:F3}}}}}"));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
    }
}
