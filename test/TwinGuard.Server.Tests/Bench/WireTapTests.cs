using System.Net;
using System.Net.Sockets;
using TwinGuard.Server.Bench;
using Xunit;

namespace TwinGuard.Server.Tests.Bench;

/// <summary>
/// <c>bench lockdown</c>'s wire tap against real loopback TCP connections: it must see the server's FIN to the right client
/// port, stamped on the clock the benchmark reads (CLOCK_REALTIME) between the server's <c>shutdown(2)</c> and the client
/// reading the end of the stream, and nothing for a connection the server did not end.
/// </summary>
public sealed class WireTapTests
{
    [Fact]
    public void TryGetEnd_ServerShutsDown_StampsItsFinBetweenTheCallAndTheClientsRead()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var serverPort = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using var tap = WireTap.TryOpen(serverPort, out var why);
        Assert.True(tap is not null, why); // the tests run as root, as the benchmark does (CAP_NET_RAW)

        using var ended = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var kept = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        ended.Connect(listener.LocalEndPoint!);
        using var endedServerSide = listener.Accept();
        kept.Connect(listener.LocalEndPoint!);
        using var keptServerSide = listener.Accept();
        var endedPort = ((IPEndPoint)ended.LocalEndPoint!).Port;
        var keptPort = ((IPEndPoint)kept.LocalEndPoint!).Port;

        // A client's own FIN to the server is not the server's end: the filter is on the server's source port.
        kept.Shutdown(SocketShutdown.Send);
        var before = WireTap.UnixNanosecondsNow();
        endedServerSide.Shutdown(SocketShutdown.Both);
        Assert.Equal(0, ended.Receive(new byte[16]));
        var after = WireTap.UnixNanosecondsNow();

        Assert.True(tap.TryGetEnd(endedPort, TimeSpan.FromSeconds(5), out var stamp), "no FIN seen for the connection the server ended");
        Assert.InRange(stamp, before, after);
        Assert.False(tap.TryGetEnd(keptPort, TimeSpan.FromMilliseconds(200), out _), "a FIN from the client was taken for the server's");
    }
}
