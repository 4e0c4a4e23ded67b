using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ingest.Modbus;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>
/// The serve host with a Modbus plant: a pymodbus PLC polled into the twins, the guard in front of it, and a playbook
/// that quarantines an HMI (a pymodbus client) that keeps writing values outside a setpoint's limits.
/// </summary>
public sealed class ModbusEndToEndTests
{
    private static PlantModel Plant(int plcPort, int guardPort) => PlantModelLoader.Parse($$"""
        site: { id: line2, topic_prefix: plant }
        validation: { frozen_samples: 100000 }   # the PLC's test input registers do not move
        assets:
          - id: pump1
            kind: pump
            signals:
              - { id: speed, unit: rpm, range: [0, 3200], max_rate: 2000, period: 200ms, criticality: high }
              - { id: flow, unit: l/min, range: [0, 160], max_rate: 120, period: 200ms }
              - { id: speed_setpoint, kind: setpoint, unit: rpm, range: [0, 3200], period: 200ms }
              - { id: flow_setpoint, kind: setpoint, unit: l/min, range: [0, 3200], period: 200ms }
        devices: []
        modbus:
          devices:
            - id: loop-plc-mb
              endpoint: 127.0.0.1:{{plcPort}}
              poll_period: 200ms
              timeout: 5s
              points:
                - { asset: pump1, signal: speed, table: input, address: 5 }
                - { asset: pump1, signal: flow, table: input, address: 6, scale: 0.5 }
                - { asset: pump1, signal: speed_setpoint, table: holding, address: 10 }
                - { asset: pump1, signal: flow_setpoint, table: holding, address: 11 }
              guard:
                listen: 127.0.0.1:{{guardPort}}
                clients:
                  - { id: hmi-1, address: 127.0.0.1, write: true }
                writable:
                  - { table: holding, address: 10, count: 2, range: [0, 3000], asset: pump1 }
        """, "e2e-modbus.yaml");

    [Fact]
    public async Task Serve_ModbusPlant_PollsIntoTwins_AndQuarantinesAnHmiThatWritesOutsideTheLimits()
    {
        await using var plc = await PymodbusPlc.StartAsync(null, (10, 100));
        var guardPort = 0;
        const string playbooks = """
            poll_interval: 100ms
            playbooks:
              - id: stop-forbidden-writes
                trigger: { reasons: [forbidden_value, forbidden_write] }
                actions:
                  - quarantine: source
            """;
        var dataDir = Directory.CreateTempSubdirectory("twinguard-e2e-modbus-").FullName;
        // The guard's port is written into the plant model: each try (another on new ports when one was taken before the
        // host bound it) picks it anew with the site's.
        var (app, _) = await LoopbackSite.StartAsync(() =>
        {
            var plant = Plant(plc.Port, guardPort = LoopbackPorts.Free());
            return LoopbackSite.Settings(plant, dataDir) with { Response = PlaybookLoader.Parse(playbooks, plant) };
        });
        try
        {
            var metrics = app.Services.GetRequiredService<PipelineMetrics>();
            var modbus = app.Services.GetRequiredService<ModbusMetrics>();
            var quarantine = app.Services.GetRequiredService<QuarantineList>();
            await Eventually.HoldsAsync(() => metrics.ReadingsAccepted, n => n >= 6, TimeSpan.FromSeconds(30), "polled readings accepted by the twin");

            // An allowed setpoint change passes; then two writes outside [0, 3000] are refused with exception 03 and a
            // write to a register that is not writable with 02. (Repeats of one refusal fold into one finding in the
            // record stage, so the probe touches three registers to make three findings.)
            // The first refusal may already open the incident with a finding of the twin's (the sequence rule
            // unexpected-write-then-anomaly), and the HMI is then quarantined before its next write: a later write is
            // refused either for what it is (03, 02) or because the HMI is quarantined (01). Neither reaches the PLC.
            Assert.True((await PymodbusPlc.ClientAsync(guardPort, "write_register", 10, 1200)).Ok);
            Assert.Equal(3, (await PymodbusPlc.ClientAsync(guardPort, "write_register", 10, 9000)).Exception);
            Assert.Contains((await PymodbusPlc.ClientAsync(guardPort, "write_register", 11, 9001)).Exception, (int?[])[3, 1]);
            Assert.Contains((await PymodbusPlc.ClientAsync(guardPort, "write_register", 20, 1)).Exception, (int?[])[2, 1]);

            // The three findings on pump1 open an incident; the playbook quarantines the HMI as a source.
            await Eventually.HoldsAsync(() => quarantine.IsDeviceQuarantined("hmi-1"), q => q, TimeSpan.FromSeconds(20), "hmi-1 quarantined");
            Assert.Equal(1, (await PymodbusPlc.ClientAsync(guardPort, "read_holding", 10, 1)).Exception);
            Assert.Equal((int[])[1200], (await PymodbusPlc.ClientAsync(plc.Port, "read_holding", 10, 1)).Registers);

            // Polling goes on regardless.
            var before = metrics.ReadingsAccepted;
            await Eventually.HoldsAsync(() => metrics.ReadingsAccepted, n => n > before, TimeSpan.FromSeconds(10), "more polled readings");
            Assert.NotEqual(9001, Assert.Single((await PymodbusPlc.ClientAsync(plc.Port, "read_holding", 11, 1)).Registers));
            Assert.InRange(metrics.FindingsOf(ReasonCode.ForbiddenValue), 1, 2);
            Assert.InRange(metrics.FindingsOf(ReasonCode.ForbiddenWrite), 0, 1);
            Assert.Equal(1, metrics.FindingsOf(ReasonCode.RegisterWrite));
            Assert.Equal(0, modbus.PollFailures);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
