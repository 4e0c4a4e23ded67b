using System.Net;
using System.Net.Sockets;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Listening;

/// <summary>Binds the socket of a <see cref="ListenerModel"/> exactly as declared, for the broker and for Kestrel alike.</summary>
/// <remarks>
/// An IPv6 socket on Linux takes IPv4 too unless IPV6_V6ONLY is set (RFC 3493 §5.3; <c>net.ipv6.bindv6only</c> is 0 by
/// default): MQTTnet's default endpoint listened on every IPv6 interface that way, next to the IPv4 address an operator
/// chose. Here an IPv6 socket is IPv6-only unless the listener says <c>any</c>.
/// </remarks>
public static class ListenerSockets
{
    /// <summary>Creates, binds and starts listening.</summary>
    /// <exception cref="SocketException">The address is not this machine's, or the port is taken.</exception>
    public static Socket Bind(ListenerModel listener, int backlog = 128)
    {
        var socket = Create(listener.EndPoint, listener.DualStack);
        try
        {
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Creates and binds (without listening: Kestrel listens itself).</summary>
    /// <param name="endPoint">Where.</param>
    /// <param name="dualStack">For an IPv6 endpoint: take IPv4 as well (only for <c>address: any</c>).</param>
    public static Socket Create(IPEndPoint endPoint, bool dualStack)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = dualStack;
            }

            socket.NoDelay = true;
            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The port a bound socket got (the one asked for, or the one the system picked for port 0).</summary>
    public static int PortOf(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;
}
