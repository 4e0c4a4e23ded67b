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

    /// <summary>
    /// The refusals of one address and reason that are stored as one (the default is 10 s): longer than the tests, which
    /// count on the later refusals of an address being folded into its first. On a loaded machine the refused
    /// <c>mosquitto_pub</c> runs took the revoked certificate's past the default, and it was stored with its own detail.
    /// </summary>
    private const string FoldWindow = "\nlimits:\n  refusal_fold_window: 30m\n";

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
                """)) + FoldWindow;
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
