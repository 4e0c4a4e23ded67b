using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Server.Hosting;

/// <summary>Free TCP ports on 127.0.0.1, for the demo, benchmarks and tests that start their own servers.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port that was free a moment ago (the operating system picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
