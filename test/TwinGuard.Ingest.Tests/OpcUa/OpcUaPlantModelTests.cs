using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.OpcUa;

public sealed class OpcUaPlantModelTests
{
    private static string Yaml(string device) => $$"""
        site: { id: s, topic_prefix: plant }
        assets:
          - id: pump1
            kind: pump
            signals:
              - { id: speed, unit: rpm, range: [0, 3200], max_rate: 2000, period: 250ms }
              - { id: flow, unit: l/min, range: [0, 160], max_rate: 120, period: 250ms }
        devices: []
        opcua:
          devices:
        {{device}}
        """;

    private const string Valid = """
            - id: pump-ua
              endpoint: opc.tcp://10.0.0.5:4840/UA/Pump
              security: { policy: none, mode: none }
              identity: { user: operator, password_env: PUMP_UA_PASSWORD }
              server_certificate: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
              signals:
                - { asset: pump1, signal: speed, node: "ns=1;s=pump1.speed", sampling: 100ms, deadband: 5 }
                - { asset: pump1, signal: flow, node: "ns=2;i=1001" }
        """;

    [Fact]
    public void Parse_ValidSection_MapsSignalsAndMakesTheServerASource()
    {
        var plant = PlantModelLoader.Parse(Yaml(Valid));

        var device = Assert.Single(plant.OpcUa.Devices);
        Assert.Equal("operator", device.UserName);
        Assert.Equal("PUMP_UA_PASSWORD", device.PasswordEnvironment);
        Assert.Equal("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", device.ServerCertificateSha256);
        Assert.Equal(TimeSpan.FromMilliseconds(100), device.Signals[0].SamplingInterval);
        Assert.Equal(5, device.Signals[0].Deadband);
        Assert.Equal(TimeSpan.FromMilliseconds(250), device.Signals[1].SamplingInterval); // the signal's period
        Assert.Equal(["plant/pump1"], plant.FindDevice("pump-ua")!.Topics);
    }

    [Theory]
    [InlineData("node: \"ns=1;s=pump1.speed\"", "node: \"ns=x;s=a\"", "opcua.devices[0].signals[0].node", "expected a NodeId")]
    [InlineData("endpoint: opc.tcp://10.0.0.5:4840/UA/Pump", "endpoint: http://10.0.0.5/", "opcua.devices[0].endpoint", "opc.tcp://")]
    [InlineData("signal: speed, node", "signal: sped, node", "opcua.devices[0].signals[0].signal", "no signal 'sped'")]
    [InlineData("mode: none }", "mode: sign }", "opcua.devices[0].security.mode", "policy none goes with mode none")]
    [InlineData("password_env: PUMP_UA_PASSWORD", "password_env: PUMP-UA", "opcua.devices[0].identity.password_env", "environment variable")]
    [InlineData("\"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\"", "abc", "opcua.devices[0].server_certificate", "64 hex digits")]
    [InlineData("signal: flow, node: \"ns=2;i=1001\"", "signal: speed, node: \"ns=2;i=1001\"", "opcua.devices[0].signals[1]", "already mapped")]
    [InlineData("deadband: 5", "deadband: -1", "opcua.devices[0].signals[0].deadband", "0 or more")]
    [InlineData("policy: none, mode: none", "policy: aes256_sha256_rsapss, mode: sign", "opcua.devices[0].security.policy", "expected none, basic256sha256 or aes128_sha256_rsaoaep")]
    [InlineData("{ user: operator, password_env: PUMP_UA_PASSWORD }", "{ certificate: no-such-user.pem, key: no-such-user.key }", "opcua.devices[0].identity.certificate", "file not found")]
    public void Parse_InvalidField_NamesFileLineColumnAndField(string from, string to, string field, string problem)
    {
        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(Yaml(Valid.Replace(from, to, StringComparison.Ordinal)), "plant.yaml"));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Matches(@"^plant\.yaml:\d+:\d+: ", error.Message);
    }

    [Fact]
    public void Parse_SampleFile_LoadsTheSecuredServerAndItsSignals()
    {
        var root = NodeOpcUaServer.ScriptDirectory();
        var plant = PlantModelLoader.Load(Path.Combine(root, "..", "..", "samples", "plant-opcua.yaml"));

        var device = Assert.Single(plant.OpcUa.Devices);
        Assert.Equal((OpcUaSecurityMode.SignAndEncrypt, "basic256sha256", 4), (device.SecurityMode, device.SecurityPolicy, device.Signals.Count));
        Assert.Null(device.UserName);
        Assert.Equal(0.1, device.Signals.Single(s => s.SignalId == "motor_temp").Deadband);
    }

    [Fact]
    public void Load_Aes128WithX509Identity_ResolvesTheCertificateAndKeyBesideThePlantModel()
    {
        var directory = Directory.CreateTempSubdirectory("twinguard-opcua-model-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "reader.pem"), "certificate");
            File.WriteAllText(Path.Combine(directory, "reader.key"), "key");
            var path = Path.Combine(directory, "plant.yaml");
            File.WriteAllText(path, Yaml(Valid
                .Replace("policy: none, mode: none", "policy: aes128_sha256_rsaoaep, mode: sign_and_encrypt", StringComparison.Ordinal)
                .Replace("{ user: operator, password_env: PUMP_UA_PASSWORD }", "{ certificate: reader.pem, key: reader.key }", StringComparison.Ordinal)));

            var device = Assert.Single(PlantModelLoader.Load(path).OpcUa.Devices);

            Assert.Equal(("aes128_sha256_rsaoaep", OpcUaSecurityMode.SignAndEncrypt), (device.SecurityPolicy, device.SecurityMode));
            Assert.Equal((Path.Combine(directory, "reader.pem"), Path.Combine(directory, "reader.key")), (device.UserCertificateFile, device.UserKeyFile));
            Assert.Null(device.UserName);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
