using TwinGuard.Server.Bench;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// A TCP socket that speaks just enough MQTT 3.1.1 by hand to play an attacker: a CONNECT of any size, a fixed header
/// announcing any length, or nothing at all; from any loopback address (another address plays another machine).
/// </summary>
internal sealed class RawMqttClient : IDisposable
{
    private RawMqttClient(Socket socket, bool reset)
    {
        Socket = socket;
        Reset = reset;
    }

    public Socket Socket { get; }

    /// <summary>True when the server reset the connection while it was being set up (refused at accept).</summary>
    public bool Reset { get; }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> from <paramref name="from"/>.</summary>
    public static async Task<RawMqttClient> ConnectAsync(int port, string from)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return new RawMqttClient(socket, reset: false);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return new RawMqttClient(socket, reset: true);
        }
    }

    /// <summary>MQTT 3.1.1 §3.1: a CONNECT with clean session, user name and password.</summary>
    public static byte[] Connect(string clientId, string userName, string password) => RawMqttPackets.Connect(clientId, userName, password);

    /// <summary>MQTT 3.1.1 §2.2.3: the variable-length encoding of a packet's remaining length.</summary>
    public static byte[] RemainingLength(long length) => RawMqttPackets.RemainingLength(length);

    /// <summary>Sends bytes; false when the server has closed or reset the connection meanwhile.</summary>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes)
    {
        if (Reset)
        {
            return false;
        }

        try
        {
            await Socket.SendAsync(bytes);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Reads a CONNACK (MQTT 3.1.1 §3.2); returns its return code, or null when the server closed the connection first.</summary>
    public async Task<int?> ReadConnAckAsync(TimeSpan timeout)
    {
        if (Reset)
        {
            return null;
        }

        var buffer = new byte[4];
        var read = 0;
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (read < 4)
            {
                var n = await Socket.ReceiveAsync(buffer.AsMemory(read), deadline.Token);
                if (n == 0)
                {
                    return null;
                }

                read += n;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        return buffer[0] == 0x20 ? buffer[3] : throw new InvalidOperationException($"not a CONNACK: 0x{buffer[0]:x2}");
    }

    /// <summary>True when the server closes (or resets) the connection within <paramref name="timeout"/>, reading and discarding anything it sends.</summary>
    public async Task<bool> ClosedByServerWithinAsync(TimeSpan timeout)
    {
        if (Reset)
        {
            return true;
        }

        var buffer = new byte[256];
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                if (await Socket.ReceiveAsync(buffer, deadline.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => Socket.Dispose();
}
