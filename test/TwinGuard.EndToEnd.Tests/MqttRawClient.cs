using System.Net.Sockets;
using System.Text;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A minimal MQTT 3.1.1 client that writes packets byte by byte: it sends what well-behaved clients such as
/// mosquitto_pub refuse to send (a wildcard or U+0000 in a PUBLISH topic).
/// </summary>
internal sealed class MqttRawClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private MqttRawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Connects and logs in (MQTT 3.1.1 §3.1); fails unless the CONNACK return code is 0.</summary>
    public static async Task<MqttRawClient> ConnectAsync(int port, string user, string password)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var client = new MqttRawClient(tcp);
        var body = new List<byte>();
        body.AddRange(Text("MQTT"));
        body.AddRange([4, 0xC2, 0, 30]); // level 4, user name + password + clean session, keep alive 30 s
        body.AddRange(Text(user + "-raw"));
        body.AddRange(Text(user));
        body.AddRange(Text(password));
        await client.SendAsync(0x10, [.. body]);
        var connack = new byte[4];
        await client._stream.ReadExactlyAsync(connack);
        Assert.True(connack[0] == 0x20 && connack[3] == 0, $"CONNACK {Convert.ToHexString(connack)}");
        return client;
    }

    /// <summary>Sends a QoS 1 PUBLISH (MQTT 3.1.1 §3.3) with the topic's bytes exactly as given.</summary>
    public Task PublishAsync(string topic, string payload) =>
        SendAsync(0x32, [.. Text(topic), 0, 1, .. Encoding.UTF8.GetBytes(payload)]);

    /// <summary>True when the server closes the connection within <paramref name="timeout"/>.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(buffer, deadline.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _tcp.Dispose();

    private static byte[] Text(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }

    private async Task SendAsync(byte header, byte[] body)
    {
        // MQTT 3.1.1 §2.2.3: remaining length, 7 bits per byte; the bodies here stay under 16 KiB.
        byte[] length = body.Length < 128 ? [(byte)body.Length] : [(byte)((body.Length & 0x7F) | 0x80), (byte)(body.Length >> 7)];
        await _stream.WriteAsync((byte[])[header, .. length, .. body]);
        await _stream.FlushAsync();
    }
}
