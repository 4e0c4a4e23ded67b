using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;
using TwinGuard.Ingest.Mqtt.PreLogin;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>The broker's pre-login limits (<see cref="PreLoginLimits"/>): its own listener in place of MQTTnet's.</summary>
public sealed partial class EmbeddedBroker
{
    /// <summary>The per-address accounting of the broker's connections (counts of what was refused before login).</summary>
    public AddressAdmission Admission { get; private set; } = null!;

    private MqttServer CreateGuardedServer(MqttServerOptions serverOptions, TimeProvider time)
    {
        // MQTTnet binds [::] beside the configured IPv4 address unless told not to: a broker on 127.0.0.1 was also
        // reachable on every IPv6 address of the machine. Listen on the configured address alone.
        var endpoint = serverOptions.DefaultEndpointOptions;
        if (Options.Address.AddressFamily == AddressFamily.InterNetwork && !Options.Address.Equals(IPAddress.Any))
        {
            endpoint.BoundInterNetworkV6Address = IPAddress.None;
        }
        else if (Options.Address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            endpoint.BoundInterNetworkV6Address = Options.Address;
            endpoint.BoundInterNetworkAddress = IPAddress.None;
        }

        var deviceNetworks = _gate.Plant.Devices.SelectMany(static d => d.Addresses).ToArray();
        Admission = new AddressAdmission(Options.Limits, time, address => IsListed(deviceNetworks, address));
        return new MqttServerFactory().CreateMqttServer(serverOptions, [new GuardedTcpServerAdapter(Admission, time)]);
    }

    private static bool IsListed(IPNetwork[] networks, IPAddress address)
    {
        var normal = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in networks)
        {
            if (network.Contains(normal))
            {
                return true;
            }
        }

        return false;
    }
}
