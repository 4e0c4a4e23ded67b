using System.Globalization;
using TwinGuard.Server.Hosting;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>Runs alone: it counts this process's listening sockets, which other tests' sites would add to.</summary>
[CollectionDefinition(nameof(BoundSocketsCollection), DisableParallelization = true)]
public sealed class BoundSocketsCollection;

/// <summary>Nothing listens where the configuration does not say so: the sockets a site opens are exactly its listeners.</summary>
[Collection(nameof(BoundSocketsCollection))]
public sealed class BoundSocketsTests
{
    [Fact]
    public async Task Serve_WithListeners_BindsExactlyTheConfiguredSockets()
    {
        using var pki = new SitePki([System.Net.IPAddress.Parse("127.0.0.2")]);
        int plain = 0, tls = 0, web = 0, any = 0;
        var before = ListeningSockets.OfThisProcess().Keys.ToHashSet();

        await using (var site = await TlsSite.StartAsync(() =>
                     {
                         (plain, tls, web, any) = (LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
                         return pki.PlantYaml(string.Create(CultureInfo.InvariantCulture, $$"""
                               - { protocol: mqtt, address: loopback, port: {{plain}} }
                               - { protocol: mqtts, address: 127.0.0.2, port: {{tls}} }
                               - { protocol: https, address: "::1", port: {{web}} }
                               - { protocol: mqtt, address: any, port: {{any}} }
                             """));
                     }))
        {
            var opened = ListeningSockets.OfThisProcess().Where(s => !before.Contains(s.Key)).Select(s => s.Value).Order(StringComparer.Ordinal).ToList();

            string[] expected =
            [
                $"127.0.0.1 {plain}", $"::1 {plain}", // loopback: both families, nothing else
                $"127.0.0.2 {tls}",                  // one IPv4 address: no IPv6 "any" beside it
                $"::1 {web}",                        // Kestrel on exactly ::1, no IPv4
                $":: {any}",                         // any: one dual-stack socket
                $"127.0.0.1 {site.Settings.SiloPort}", // the Orleans silo on loopback; no gateway
            ];
            Assert.Equal(expected.Order(StringComparer.Ordinal), opened);
        }

        // Stopped: every socket is closed.
        Assert.Subset(before, ListeningSockets.OfThisProcess().Keys.ToHashSet());
    }
}
