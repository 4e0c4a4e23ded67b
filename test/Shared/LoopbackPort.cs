using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Testing;

/// <summary>Free TCP ports on 127.0.0.1 for the servers the tests start (brokers, PLCs, collectors, databases).</summary>
internal static class LoopbackPort
{
    /// <summary>A port that was free a moment ago (the operating system picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
