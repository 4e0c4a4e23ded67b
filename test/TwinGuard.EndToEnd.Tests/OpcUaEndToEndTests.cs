using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// The serve host with an OPC UA plant: a node-opcua server's pump subscribed into the twins; a second writer spoofing
/// the speed and a sensor going Bad are caught by the same validation as any other transport's readings.
/// </summary>
public sealed class OpcUaEndToEndTests
{
    private static PlantModel Plant(string url, string fingerprint) => PlantModelLoader.Parse($$"""
        site: { id: line3, topic_prefix: plant }
        assets:
          - id: pump1
            kind: pump
            signals:
              - { id: speed, unit: rpm, range: [0, 3200], max_rate: 20000, period: 100ms, criticality: high }
              - { id: flow, unit: l/min, range: [0, 160], max_rate: 1200, period: 100ms }
              - { id: motor_temp, unit: degC, range: [0, 110], max_rate: 500, period: 100ms }
        devices: []
        opcua:
          devices:
            - id: pump-ua
              endpoint: {{url}}
              security: { policy: none, mode: none }
              server_certificate: {{fingerprint}}
              publishing_interval: 100ms
              signals:
                - { asset: pump1, signal: speed, node: "ns=1;s=pump1.speed", sampling: 50ms }
                - { asset: pump1, signal: flow, node: "ns=1;s=pump1.flow", sampling: 50ms }
                - { asset: pump1, signal: motor_temp, node: "ns=1;s=pump1.motor_temp", sampling: 50ms }
        """, "e2e-opcua.yaml");

    [Fact]
    public async Task Serve_OpcUaPlant_SubscribesIntoTwins_AndCatchesASpoofedSpeedAndABadSensor()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        var plant = Plant(server.Url, server.Fingerprint);
        var dataDir = Directory.CreateTempSubdirectory("twinguard-e2e-opcua-").FullName;
        var (app, _) = await LoopbackSite.StartAsync(() => LoopbackSite.Settings(plant, dataDir));
        try
        {
            var metrics = app.Services.GetRequiredService<PipelineMetrics>();
            await Eventually.HoldsAsync(() => metrics.ReadingsAccepted, n => n >= 20, TimeSpan.FromSeconds(60), "OPC UA readings accepted by the twin");
            Assert.Equal(0, metrics.FindingsOf(ReasonCode.OutOfRange));

            // A second writer on the server sets the speed outside what the instrument can report.
            await server.CommandAsync("set speed 4000");
            await Eventually.HoldsAsync(() => metrics.FindingsOf(ReasonCode.OutOfRange), n => n >= 1, TimeSpan.FromSeconds(30), "out_of_range on the spoofed speed");

            // The flow sensor fails: its Bad values are refused, not passed to the twin as numbers.
            await server.CommandAsync("status flow BadSensorFailure");
            await Eventually.HoldsAsync(() => metrics.FindingsOf(ReasonCode.BadQuality), n => n >= 1, TimeSpan.FromSeconds(30), "bad_quality on the flow");

            var before = metrics.ReadingsAccepted;
            await Eventually.HoldsAsync(() => metrics.ReadingsAccepted, n => n > before + 5, TimeSpan.FromSeconds(30), "readings go on");
            Assert.Equal(0, metrics.FindingsOf(ReasonCode.DeviceUnreachable));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
