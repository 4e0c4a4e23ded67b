using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Server.Bench;

/// <summary>The ceiling of the benchmark itself: how fast <c>mosquitto_pub</c> publishes when nothing is done with its messages.</summary>
internal static partial class IngestBenchmark
{
    /// <summary>
    /// <c>mosquitto_pub</c> publishing the same lines to a null sink: a socket that answers its CONNECT with a CONNACK and
    /// then reads and discards every byte until the publisher closes. No broker, however fast, is measured above this rate
    /// with this publisher on this machine (the publisher and the broker share its cores).
    /// </summary>
    private static async Task<PeerRun?> MeasurePublisherAloneAsync(string[] lines, CancellationToken ct)
    {
        if (!OnPath("mosquitto_pub"))
        {
            return null;
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var clock = Stopwatch.StartNew();
        var publishing = RunPublisherAsync(port, null, null, lines, ct);
        using var client = await listener.AcceptAsync(ct);
        await DrainAsync(client, ct);
        await publishing;
        return new PeerRun(lines.Length / clock.Elapsed.TotalSeconds);
    }

    /// <summary>Answers the CONNECT (MQTT 3.1.1 §3.2: CONNACK 0x20, remaining length 2, no session, accepted), then reads to the end.</summary>
    private static async Task DrainAsync(Socket client, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var answered = false;
            while (true)
            {
                var read = await client.ReceiveAsync(buffer, SocketFlags.None, ct);
                if (read == 0)
                {
                    return;
                }

                if (!answered)
                {
                    // mosquitto_pub sends nothing after its CONNECT until the CONNACK: the first read holds the CONNECT only.
                    await client.SendAsync(new byte[] { 0x20, 0x02, 0x00, 0x00 }, SocketFlags.None, ct);
                    answered = true;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
