using System.Net;
using System.Net.Sockets;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Tests.Hosting;

/// <summary>Starting on free ports again when one was taken between being found free and being bound.</summary>
public sealed class LoopbackPortsTests
{
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
