using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Plant;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>
/// <c>twinguard cluster status</c> against a silo whose connections require <c>tls.silo</c> (Redis membership started by
/// the test): with the plant model's TLS settings it is answered; without them the silo does not let it in.
/// </summary>
public sealed class ClusterStatusTlsTests
{
    [Fact]
    public async Task QueryAsync_SiloRequiresTls_AnsweredWithThePlantModelsTlsOnly()
    {
        using var pki = new SitePki([IPAddress.Loopback]);
        var tls = PlantModelLoader.Parse(SiloTlsTests.WithSiloTls(pki), Path.Combine(pki.Directory, "site.yaml")).Tls!;
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "tls-status-" + Guid.NewGuid().ToString("N")[..8];
        // Started again on new ports when another process took one between being picked and being bound (CI runs the
        // test projects side by side).
        var (host, siloPort, gatewayPort) = await LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var (silo, gateway) = (LoopbackPorts.Free(), LoopbackPorts.Free());
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.UseOrleans(siloBuilder =>
            {
                siloBuilder.UseRedisClustering(redis.Configuration);
                siloBuilder.ConfigureEndpoints(IPAddress.Loopback, silo, gateway);
                siloBuilder.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, "twinguard"));
                SiloTls.Configure(siloBuilder, tls, TimeProvider.System);
            });
            var built = builder.Build();
            try
            {
                await built.StartAsync();
                return (built, silo, gateway);
            }
            catch
            {
                built.Dispose();
                throw;
            }
        });
        using var started = host;
        try
        {
            var cluster = new ClusterModel(clusterId, "twinguard", redis.Configuration, redis.Configuration, IPAddress.Loopback, siloPort, gatewayPort, TimeSpan.FromSeconds(10));

            var status = await ClusterCommand.QueryAsync(cluster, CancellationToken.None, tls);
            var silo = Assert.Single(status.Silos);
            Assert.Equal("Active", silo.Status);

            // Without the client certificate the gateway's TLS handshake fails: no answer.
            await Assert.ThrowsAsync<CommandLineException>(() => ClusterCommand.QueryAsync(cluster, CancellationToken.None));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
