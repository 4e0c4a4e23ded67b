using System.Globalization;
using System.Net;
using TwinGuard.Server.Hosting;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>One TLS site for <see cref="TlsDeviceTests"/>: mqtts and https on the plant-network side of a veth pair, IPv4 and IPv6.</summary>
public sealed class TlsDeviceFixture : IAsyncLifetime
{
    private TlsSite? _site;

    internal PlantNetwork Network { get; private set; } = null!;

    internal SitePki Pki { get; private set; } = null!;

    internal TlsSite Site => _site!;

    internal int MqttsPort { get; private set; }

    internal int HttpsPort { get; private set; }

    public async Task InitializeAsync()
    {
        if (PlantNetwork.Unavailable is not null)
        {
            return;
        }

        Network = PlantNetwork.Create();
        Pki = new SitePki([IPAddress.Parse(Network.HostIPv4), IPAddress.Parse(Network.HostIPv6)]);
        // Its own addresses, but a process bound to "any" on a port takes it on these too: each try (another on new ports
        // when one was taken before the site bound it) picks them anew.
        _site = await TlsSite.StartAsync(() =>
        {
            (MqttsPort, HttpsPort) = (LoopbackPorts.Free(), LoopbackPorts.Free());
            return Pki.PlantYaml(string.Create(CultureInfo.InvariantCulture, $"""
                  - {"{"} protocol: mqtts, address: [{Network.HostIPv4}, "{Network.HostIPv6}"], port: {MqttsPort} {"}"}
                  - {"{"} protocol: https, address: {Network.HostIPv4}, port: {HttpsPort} {"}"}
                """));
        });
    }

    public async Task DisposeAsync()
    {
        if (_site is not null)
        {
            await _site.DisposeAsync();
        }

        Pki?.Dispose();
        Network?.Dispose();
    }
}
