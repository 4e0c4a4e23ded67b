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

    internal int MqttsPort { get; } = LoopbackPorts.Free();

    internal int HttpsPort { get; } = LoopbackPorts.Free();

    public async Task InitializeAsync()
    {
        if (PlantNetwork.Unavailable is not null)
        {
            return;
        }

        Network = PlantNetwork.Create();
        Pki = new SitePki([IPAddress.Parse(Network.HostIPv4), IPAddress.Parse(Network.HostIPv6)]);
        var listeners = string.Create(CultureInfo.InvariantCulture, $"""
              - {"{"} protocol: mqtts, address: [{Network.HostIPv4}, "{Network.HostIPv6}"], port: {MqttsPort} {"}"}
              - {"{"} protocol: https, address: {Network.HostIPv4}, port: {HttpsPort} {"}"}
            """);
        _site = await TlsSite.StartAsync(Pki.PlantYaml(listeners)); // its own addresses: ports nobody else binds
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
