using System.Net;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Modbus;

public sealed class ModbusPlantModelTests
{
    internal const string Base = """
        site: { id: s, topic_prefix: plant }
        assets:
          - id: pump1
            kind: pump
            signals:
              - { id: speed, unit: rpm, range: [0, 3200], max_rate: 2000, period: 1s }
              - { id: flow, unit: l/min, range: [0, 160], max_rate: 120, period: 1s }
        devices: []

        """;

    private const string Device = """
        modbus:
          devices:
            - id: plc
              endpoint: 127.0.0.1:502
              poll_period: 1s
              points:
                - { asset: pump1, signal: speed, table: holding, address: 0 }
                - { asset: pump1, signal: flow, table: input, address: 1, type: float32, word_order: low_first, scale: 2 }
              guard:
                listen: 127.0.0.1:1502
                functions: [3, 6]
                clients:
                  - { id: hmi, address: 10.0.0.5, write: true }
                writable:
                  - { table: holding, address: 10, count: 2, type: int16, range: [-5, 300], asset: pump1 }

        """;

    [Fact]
    public void Parse_SampleFile_LoadsDevicesPointsAndGuard()
    {
        var plant = PlantModelLoader.Load(Path.Combine(RepositoryRoot(), "samples", "plant-modbus.yaml"));

        var device = Assert.Single(plant.Modbus.Devices);
        Assert.Equal(("loop-plc-mb", 5020, 5), (device.Id, device.Port, device.Points.Count));
        Assert.Equal(SignalKind.SetPoint, plant.FindAsset("pump1")!.Signals.Single(s => s.Id == "speed_setpoint").Kind);
        Assert.Equal(2, device.Guard!.Writable.Count);
        Assert.NotNull(plant.FindDevice("hmi-1")); // a guard client is a source playbooks can quarantine
        Assert.Contains("plant/pump1", plant.FindDevice("loop-plc-mb")!.Topics);
    }

    [Fact]
    public void Parse_Device_ReadsEveryField()
    {
        var device = Assert.Single(PlantModelLoader.Parse(Base + Device).Modbus.Devices);

        var flow = device.Points[1];
        Assert.Equal((ModbusTable.Input, ModbusValueType.Float32, ModbusWordOrder.LowFirst, 2.0), (flow.Table, flow.Type, flow.WordOrder, flow.Scale));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 1502), device.Guard!.Listen);
        Assert.Equal(new byte[] { 3, 6 }, device.Guard.Functions.Order().ToArray());
        var block = Assert.Single(device.Guard.Writable);
        Assert.True(block.Signed);
        Assert.True(block.Allows(0xFFFB)); // -5
        Assert.False(block.Allows(0xFFFA)); // -6
        Assert.Equal("hmi", device.Guard.FindClient(IPAddress.Parse("10.0.0.5"))?.Id);
        Assert.Null(device.Guard.FindClient(IPAddress.Parse("10.0.0.6")));
    }

    [Theory]
    [InlineData("table: holding, address: 0 }", "table: holdings, address: 0 }", 7, "modbus.devices[0].points[0].table", "expected coil, discrete_input, holding or input")]
    [InlineData("table: holding, address: 0 }", "table: holding, address: 70000 }", 7, "modbus.devices[0].points[0].address", "expected a whole number from 0 to 65535")]
    [InlineData("signal: speed,", "signal: torque,", 7, "modbus.devices[0].points[0].signal", "asset 'pump1' has no signal 'torque'")]
    [InlineData("listen: 127.0.0.1:1502", "listen: localhost:1502", 10, "modbus.devices[0].guard.listen", "expected ADDRESS:PORT")]
    [InlineData("functions: [3, 6]", "functions: [3, 8]", 11, "modbus.devices[0].guard.functions[1]", "function code 8 is not one the guard checks")]
    [InlineData("range: [-5, 300], ", "", 15, "modbus.devices[0].guard.writable[0]", "a writable register needs the values it may take")]
    [InlineData("table: holding, address: 10", "table: input, address: 10", 15, "modbus.devices[0].guard.writable[0].table", "only coils and holding registers")]
    [InlineData("endpoint: 127.0.0.1:502", "endpoint: 127.0.0.1", 4, "modbus.devices[0].endpoint", "expected HOST:PORT")]
    public void Parse_BadField_ErrorNamesLineAndField(string from, string to, int line, string field, string problem)
    {
        var yaml = Base + Device.Replace(from, to, StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(yaml, "p.yaml"));

        Assert.Equal((line + 8, field), (error.Line, error.Field));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ClientIdOfAnMqttDevice_IsADuplicate()
    {
        var hash = $"pbkdf2-sha256$1000${Convert.ToBase64String(new byte[8])}${Convert.ToBase64String(new byte[32])}";
        var yaml = (Base + Device).Replace("devices: []", $"devices:\n  - {{ id: hmi, password_hash: \"{hash}\", topics: [plant/pump1] }}", StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(yaml));

        Assert.Contains("duplicate id 'hmi'", error.Message, StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TwinGuard.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("TwinGuard.slnx not found");
    }
}
