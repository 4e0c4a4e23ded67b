using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ingest.Modbus;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Modbus;

public sealed class ModbusPollerTests
{
    private static PlantModel Plant(int livePort, int deadPort = 1) => PlantModelLoader.Parse($$"""
        site: { id: s, topic_prefix: plant }
        assets:
          - id: pump1
            kind: pump
            signals:
              - { id: speed, unit: rpm, range: [0, 3200], max_rate: 2000, period: 1s }
              - { id: flow, unit: l/min, range: [0, 160], max_rate: 120, period: 1s }
              - { id: motor_temp, unit: degC, range: [-50, 110], max_rate: 5, period: 1s }
          - id: tank1
            kind: tank
            signals:
              - { id: level, unit: m, range: [0, 2], max_rate: 0.5, period: 1s }
              - { id: inlet_open, unit: "1", range: [0, 1], max_rate: 10, period: 1s }
        devices: []
        modbus:
          devices:
            - id: plc
              endpoint: 127.0.0.1:{{livePort}}
              poll_period: 1s
              timeout: 15s
              points:
                - { asset: pump1, signal: speed, table: holding, address: 0 }
                - { asset: pump1, signal: flow, table: holding, address: 1, type: float32 }
                - { asset: pump1, signal: motor_temp, table: holding, address: 3, type: int16, scale: 0.1 }
                - { asset: tank1, signal: level, table: input, address: 4, scale: 0.25 }
            - id: dead-plc
              endpoint: 127.0.0.1:{{deadPort}}
              poll_period: 1s
              timeout: 2s
              points:
                - { asset: tank1, signal: inlet_open, table: coil, address: 0 }
        """);

    private static (ReadingGate Gate, QuarantineList Quarantine, EvidenceSink Evidence, RecordingInbox Inbox) Gate(PlantModel plant)
    {
        var quarantine = new QuarantineList();
        var evidence = new EvidenceSink(new PipelineMetrics(), TimeProvider.System);
        var inbox = new RecordingInbox();
        return (new ReadingGate(plant, quarantine, new FloodGuard(plant, TimeProvider.System), evidence, inbox), quarantine, evidence, inbox);
    }

    [Fact]
    public async Task PollOnce_PymodbusPlc_AdmitsDecodedScaledValuesThroughTheGate()
    {
        await using var plcProcess = await PymodbusPlc.StartAsync(null, (0, 1500), (1, 0x42C8), (2, 0), (3, 0xFF9B)); // 100.0f; -10.1
        var plant = Plant(plcProcess.Port);
        var (gate, _, _, inbox) = Gate(plant);
        await using var poller = new ModbusPoller(plant.Modbus.Devices[0], gate, new EvidenceSink(new PipelineMetrics(), TimeProvider.System), new ModbusMetrics(), TimeProvider.System);

        Assert.True(await poller.PollOnceAsync(CancellationToken.None));
        Assert.True(await poller.PollOnceAsync(CancellationToken.None));

        var pump = inbox.Delivered.Where(d => d.Asset == "pump1").Select(d => d.Message).ToList();
        Assert.Equal(2, pump.Count);
        Assert.All(pump, m => Assert.Equal("plc", m.DeviceId));
        Assert.True(pump[1].Sequence > pump[0].Sequence);
        var pumpAsset = plant.FindAsset("pump1")!;
        var values = pump[0].Values.ToDictionary(v => pumpAsset.Signals[v.SignalIndex].Id, v => v.Value);
        Assert.Equal(1500, values["speed"]);
        Assert.Equal(100, values["flow"]);
        Assert.Equal(-10.1, values["motor_temp"], 9);
        var tank = inbox.Delivered.First(d => d.Asset == "tank1").Message;
        Assert.Equal(1.0, Assert.Single(tank.Values).Value); // input register 4 reads 4, × 0.25
    }

    [Fact]
    public async Task PollOnce_QuarantinedDevice_RefusedByTheGateLikeAnyOtherSource()
    {
        await using var plcProcess = await PymodbusPlc.StartAsync();
        var plant = Plant(plcProcess.Port);
        var (gate, quarantine, evidence, inbox) = Gate(plant);
        await using var poller = new ModbusPoller(plant.Modbus.Devices[0], gate, evidence, new ModbusMetrics(), TimeProvider.System);
        quarantine.AddDevice("plc");

        await poller.PollOnceAsync(CancellationToken.None);

        Assert.Empty(inbox.Delivered);
        Assert.Equal(2, evidence.Metrics.RefusalsOf(ReasonCode.Quarantined)); // one reading per asset
    }

    [Fact]
    public async Task PollOnce_DeviceStopsAnswering_OneFindingPerOutage_AndOtherDevicesKeepPolling()
    {
        await using var plcProcess = await PymodbusPlc.StartAsync();
        using var silent = new TcpListener(IPAddress.Loopback, 0); // accepts, never answers: a hung PLC
        silent.Start();
        var plant = Plant(plcProcess.Port, ((IPEndPoint)silent.LocalEndpoint).Port);
        var (gate, _, evidence, inbox) = Gate(plant);
        var metrics = new ModbusMetrics();
        var deadTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var live = new ModbusPoller(plant.Modbus.Devices[0], gate, evidence, metrics, TimeProvider.System);
        await using var dead = new ModbusPoller(plant.Modbus.Devices[1], gate, evidence, metrics, deadTime);

        var hung = dead.PollOnceAsync(CancellationToken.None);
        using var accepted = await silent.AcceptSocketAsync();
        Assert.True(await live.PollOnceAsync(CancellationToken.None)); // while the other device hangs
        Assert.False(hung.IsCompleted);
        deadTime.Advance(TimeSpan.FromSeconds(2));
        Assert.False(await hung);
        Assert.False(await dead.PollOnceAsync(CancellationToken.None)); // backing off: fails at once

        Assert.Equal(2, metrics.PollFailures);
        Assert.Equal(1, metrics.Polls);
        var health = metrics.Devices["dead-plc"];
        Assert.Equal((false, 2), (health.Reachable, health.ConsecutiveFailures));
        Assert.Contains("no response within 2000 ms", health.LastError, StringComparison.Ordinal);
        var findings = Drain(evidence).Where(f => f.Reason == ReasonCode.DeviceUnreachable).ToList();
        var finding = Assert.Single(findings);
        Assert.Equal("dead-plc", finding.DeviceId);
        Assert.Contains(inbox.Delivered, d => d.Message.DeviceId == "plc");
    }

    internal static List<Finding> Drain(EvidenceSink evidence)
    {
        var findings = new List<Finding>();
        while (evidence.Findings.TryRead(out var finding))
        {
            findings.Add(finding);
        }

        return findings;
    }
}
