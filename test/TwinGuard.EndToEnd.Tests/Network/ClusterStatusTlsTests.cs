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
        var (siloPort, gatewayPort) = (LoopbackPorts.Free(), LoopbackPorts.Free());
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseRedisClustering(redis.Configuration);
            silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, "twinguard"));
            SiloTls.Configure(silo, tls, TimeProvider.System);
        });
        using var host = builder.Build();
        await host.StartAsync();
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
