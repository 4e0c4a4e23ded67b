using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Tests.Hosting;

/// <summary>Free ports outside the system's own range, and starting on free ports again when one was taken between being found free and being bound.</summary>
public sealed class LoopbackPortsTests
{
    [Fact]
    public void Free_ManyCalls_DistinctBindablePortsBelowTheEphemeralRange()
    {
        // The range the system gives to outgoing connections and to servers on port 0: another process may be given a
        // port from there at any moment, and so take one found free there before it is bound.
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        var ports = Enumerable.Range(0, 500).Select(_ => LoopbackPorts.Free()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 10_000, ephemeralLow - 1));
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start(); // free indeed
    }

    [Fact]
    public async Task StartOnFreePortsAsync_PortTakenByAnotherListener_StartsAgainOnNewPorts()
    {
        var tries = 0;
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var bound = await LoopbackPorts.StartOnFreePortsAsync(() =>
        {
            // The first try is handed the port another listener holds, as when a port found free is taken meanwhile.
            var listener = new TcpListener(IPAddress.Loopback, ++tries == 1 ? port : LoopbackPorts.Free());
            try
            {
                listener.Start();
            }
            catch (SocketException ex)
            {
                listener.Dispose();
                return Task.FromException<TcpListener>(new IOException($"Failed to bind to address 127.0.0.1:{port}", ex));
            }

            return Task.FromResult(listener);
        });

        using (bound)
        {
            Assert.Equal(2, tries);
            Assert.NotEqual(port, ((IPEndPoint)bound.LocalEndpoint).Port);
        }
    }

    [Fact]
    public async Task StartOnFreePortsAsync_OtherFailure_ThrownAtTheFirstTry()
    {
        var tries = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => LoopbackPorts.StartOnFreePortsAsync<int>(() =>
        {
            tries++;
            throw new InvalidOperationException("the plant model is wrong");
        }));

        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task StartOnFreePortsAsync_AddressAlwaysInUse_GivesUpAfterThreeTries()
    {
        var tries = 0;

        await Assert.ThrowsAsync<IOException>(() => LoopbackPorts.StartOnFreePortsAsync<int>(() =>
        {
            tries++;
            throw new IOException("Failed to bind", new SocketException((int)SocketError.AddressAlreadyInUse));
        }));

        Assert.Equal(3, tries);
    }
}
