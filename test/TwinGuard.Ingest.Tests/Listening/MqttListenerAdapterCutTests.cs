using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Server;
using TwinGuard.Ingest.Listening;
using TwinGuard.Ingest.Mqtt.PreLogin;
using TwinGuard.Testing;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Listening;

/// <summary>
/// Cutting a device's connections at the listener, where the broker's disconnect starts: from the moment its CONNECT
/// passed the credential check, before MQTTnet lists the client.
/// </summary>
public sealed class MqttListenerAdapterCutTests
{
    [Fact]
    public async Task CutDevice_AttributedConnections_EndAtOnceExceptThoseToldWhyAndOtherDevices()
    {
        var admission = new AddressAdmission(PreLoginLimits.Default, TimeProvider.System, _ => false);
        using var adapter = new MqttListenerAdapter([new ListenerModel(ListenerProtocol.Mqtt, IPAddress.Loopback, 0)], null, NullLogger.Instance, admission, TimeProvider.System);
        var served = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Holds each connection open, as MQTTnet's session does until its CONNACK is out: the cut must not depend on it.
        adapter.ClientHandler = async _ =>
        {
            Interlocked.Increment(ref served);
            await release.Task;
        };
        await adapter.StartAsync(new MqttServerOptionsBuilder().Build(), new MqttNetNullLogger());
        var port = adapter.Bound[0].EndPoint.Port; // bound on port 0: no port picked before it, which another process could take

        using var device = Connect(port);
        using var toldWhy = Connect(port);
        using var other = Connect(port);
        await Eventually.HoldsAsync(() => Volatile.Read(ref served), n => n == 3, TimeSpan.FromSeconds(10), "three connections served");
        adapter.Attribute(device.LocalEndPoint!.ToString()!, "plc", hearsWhy: false);
        adapter.Attribute(toldWhy.LocalEndPoint!.ToString()!, "plc", hearsWhy: true);
        adapter.Attribute(other.LocalEndPoint!.ToString()!, "other", hearsWhy: false);

        var cut = adapter.CutDevice("plc");

        Assert.Equal([device.LocalEndPoint!.ToString()!], cut);
        Assert.Equal(0, device.Receive(new byte[16])); // the FIN is already there: the read returns at once with the end
        foreach (var open in new[] { toldWhy, other })
        {
            Assert.False(open.Poll(100_000, SelectMode.SelectRead), "a connection that was not cut has ended");
        }

        release.SetResult();
    }

    private static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
        socket.Connect(IPAddress.Loopback, port);
        return socket;
    }
}
