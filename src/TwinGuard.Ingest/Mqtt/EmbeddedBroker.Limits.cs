using System.Net;
using System.Net.Sockets;
using TwinGuard.Ingest.Mqtt.PreLogin;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>The broker's pre-login limits (<see cref="PreLoginLimits"/>), enforced by its listeners (<see cref="Listening.MqttListenerAdapter"/>).</summary>
public sealed partial class EmbeddedBroker
{
    /// <summary>The per-address accounting of the broker's connections (counts of what was refused before login).</summary>
    public AddressAdmission Admission { get; private set; } = null!;

    /// <remarks>Only a plant device's declared addresses are exempt from the per-address caps and back-off: nobody
    /// sharing a device's address can lock it out by failing logins.</remarks>
    private AddressAdmission CreateAdmission(BrokerOptions options, TimeProvider time)
    {
        var deviceNetworks = _gate.Plant.Devices.SelectMany(static d => d.Addresses).ToArray();
        return new AddressAdmission(options.Limits, time, address => IsListed(deviceNetworks, address));
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
