using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Plant;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>
/// Two Orleans silos on loopback, each configured by <see cref="SiloTls"/> from the same <c>tls.silo</c>: they form one
/// cluster over mutual TLS; a silo with a certificate from another CA cannot join, one with the site's can.
/// </summary>
public sealed class SiloTlsClusterTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Silos_SameSiloCertificate_FormOneCluster_ForeignCertificateCannotJoin()
    {
        using var pki = new SitePki([IPAddress.Loopback]);
        var site = PlantModelLoader.Parse(SiloTlsTests.WithSiloTls(pki), Path.Combine(pki.Directory, "site.yaml")).Tls!;
        var foreign = site with { Silo = new SiloTlsSettings(pki.Foreign.SiloCertificate, pki.Foreign.SiloKey, pki.Foreign.CaCertificate, null) };
        // Each start again on new ports when one was taken between being found free and being bound.
        var primaryPort = 0;
        using var primary = await LoopbackPorts.StartOnFreePortsAsync(() => StartSiloAsync(site, primaryPort = LoopbackPorts.Free(), primaryPort, CancellationToken.None));
        using var second = await LoopbackPorts.StartOnFreePortsAsync(() => StartSiloAsync(site, LoopbackPorts.Free(), primaryPort, CancellationToken.None));
        var management = primary.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var active = await EventuallyAsync(async () => (await management.GetHosts(onlyActive: true)).Count, n => n == 2, "two active silos");
        Assert.Equal(2, active);

        // The intruder's join fails (its start is given a deadline); the cluster still has exactly its two silos.
        using var joining = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var intruderPort = LoopbackPorts.Free();
        var intruder = await Record.ExceptionAsync(async () => (await StartSiloAsync(foreign, intruderPort, primaryPort, joining.Token)).Dispose());
        Assert.NotNull(intruder);
        var hosts = await management.GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
        Assert.DoesNotContain(hosts.Keys, s => s.Endpoint.Port == intruderPort);

        // The same start with the site's silo certificate joins: only the certificate kept the intruder out.
        using var third = await LoopbackPorts.StartOnFreePortsAsync(() => StartSiloAsync(site, LoopbackPorts.Free(), primaryPort, CancellationToken.None));
        Assert.Equal(3, await EventuallyAsync(async () => (await management.GetHosts(onlyActive: true)).Count, n => n == 3, "three active silos"));
    }

    private static async Task<IHost> StartSiloAsync(TlsSettings tls, int port, int primaryPort, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseDevelopmentClustering(new IPEndPoint(IPAddress.Loopback, primaryPort));
            silo.ConfigureEndpoints(IPAddress.Loopback, port, LoopbackPorts.Free());
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("tls-test", "tls-test"));
            silo.Configure<ClusterMembershipOptions>(o => o.MaxJoinAttemptTime = TimeSpan.FromSeconds(15));
            SiloTls.Configure(silo, tls, TimeProvider.System);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).WaitAsync(Deadline, cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        T last;
        do
        {
            last = await probe();
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(20); // poll, do not spin: spinning starves what is awaited on two cores
        }
        while (DateTime.UtcNow < until);

        throw new TimeoutException($"{what}: still {last} after {Deadline}");
    }
}
