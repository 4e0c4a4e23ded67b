using System.Net;
using System.Net.Sockets;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>Free TCP ports on the loopback interface, for servers started by tests.</summary>
internal static class TestPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
