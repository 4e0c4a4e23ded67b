using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

public sealed class PlantModelLoaderTests
{
    [Fact]
    public void Load_Sample_ReadsAssetsSignalsDevicesAndRelations()
    {
        var plant = SamplePlant.Load();

        Assert.Equal("line1", plant.Site.Id);
        Assert.Equal(["pump1", "valve_in", "valve_out", "tank1", "conveyor1"], plant.Assets.Select(a => a.Id));
        var flow = plant.FindAsset("pump1")!.Signals.Single(s => s.Id == "flow");
        Assert.Equal((0.0, 160.0, 120.0, TimeSpan.FromMilliseconds(250), Criticality.High), (flow.Min, flow.Max, flow.MaxRatePerSecond, flow.Period, flow.Criticality));
        Assert.True(plant.FindDevice("loop-plc")!.PasswordHash!.Verify("demo-loop-plc"));
        Assert.False(plant.FindDevice("loop-plc")!.PasswordHash!.Verify("demo-tank-gateway"));
        Assert.Equal(10, plant.Relations.Count);
        Assert.Contains("valve_in.opening", plant.Relations[0].Signals);
    }

    [Theory]
    [InlineData("range: [0, 160]", "range: [160, 0]", "assets[0].signals[1].range", "expected min < max")]
    [InlineData("max_rate: 120", "max_rate: fast", "assets[0].signals[1].max_rate", "expected a finite number, found 'fast'")]
    [InlineData("period: 250ms, criticality: high }\n      - { id: pressure", "period: often, criticality: high }\n      - { id: pressure", "assets[0].signals[1].period", "expected a positive duration")]
    [InlineData("criticality: high }\n      - { id: pressure", "criticality: severe }\n      - { id: pressure", "assets[0].signals[1].criticality", "expected one of: low, medium, high")]
    [InlineData("    topics: [plant/tank1, plant/tank1/+]", "    topics: [plant/tank1/#/x]", "devices[1].topics[0]", "expected an MQTT topic filter")]
    [InlineData("    kind: pump\n", "    kind: pump\n    colour: red\n", "assets[0].colour", "unknown field")]
    [InlineData("pump1.motor_current ~ i0", "pump1.motor_amps ~ i0", "relations[1].expression", "asset 'pump1' has no signal 'motor_amps'")]
    [InlineData("    addresses: [127.0.0.1]\n\n  - id: tank-gateway", "    addresses: [127.0.0.300]\n\n  - id: tank-gateway", "devices[0].addresses[0]", "expected an IP address or a network such as 10.0.10.0/24")]
    [InlineData("    addresses: [127.0.0.1]\n\n  - id: tank-gateway", "    addresses: [10.0.10.5/24]\n\n  - id: tank-gateway", "devices[0].addresses[0]", "(no host bits set), found '10.0.10.5/24'")]
    [InlineData("operating: { low: 0.7, high: 1.3 }", "operating: { low: 0.7, high: 2.5 }", "assets[3].signals[0].operating.high", "expected a limit inside the signal's range [0, 2], found 2.5")]
    [InlineData("operating: { low: 0.7, high: 1.3 }", "operating: { low: 1.3, high: 0.7 }", "assets[3].signals[0].operating.high", "expected high > low, found low 1.3 and high 0.7")]
    [InlineData("operating: { low: 0.7, high: 1.3 }", "operating: { delay: 5s }", "assets[3].signals[0].operating", "expected a low or a high limit (or both)")]
    [InlineData("operating: { low: 0.7, high: 1.3 }", "operating: { low: 0.7, top: 1.3 }", "assets[3].signals[0].operating.top", "unknown field; expected one of: low, high, delay")]
    [InlineData("operating: { low: 0.7, high: 1.3 }", "operating: { low: 0.7, high: 1.3, delay: soon }", "assets[3].signals[0].operating.delay", "expected a positive duration")]
    [InlineData("  # multivariate_accept_after: 0 #", "  multivariate_accept_after: 1 #", "detection.multivariate_accept_after", "expected 0 (never) or a whole number of states from 2 to 1500000, found 1")]
    [InlineData("  # multivariate_accept_after: 0 #", "  multivariate_accept_after: 2.5 #", "detection.multivariate_accept_after", "found 2.5")]
    [InlineData("  # multivariate_accept_after: 0 #", "  multivariate_accept_after: -300 #", "detection.multivariate_accept_after", "found -300")]
    public void Parse_WrongField_NamesFileLineFieldAndExpectation(string original, string replacement, string field, string expected)
    {
        var text = SamplePlant.Text;
        Assert.Contains(original, text, StringComparison.Ordinal);
        var broken = text.Replace(original, replacement, StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(broken, "broken.yaml"));

        Assert.Equal(field, error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"broken.yaml:{error.Line}:", error.Message, StringComparison.Ordinal);
        var lineText = broken.Split('\n')[error.Line - 1];
        Assert.Contains(field.Split('.')[^1].Split('[')[0], lineText + " " + (error.Line < broken.Split('\n').Length ? broken.Split('\n')[error.Line] : string.Empty), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Sample_ReadsOperatingBandsWithTheirDelay()
    {
        var plant = SamplePlant.Load();

        var level = plant.FindAsset("tank1")!.Signals.Single(s => s.Id == "level");
        Assert.Equal(new OperatingBand(0.7, 1.3, TimeSpan.FromSeconds(5)), level.Operating);
        Assert.Equal(new OperatingBand(null, 85, TimeSpan.FromSeconds(5)), plant.FindAsset("pump1")!.Signals.Single(s => s.Id == "motor_temp").Operating);
        Assert.Null(plant.FindAsset("pump1")!.Signals.Single(s => s.Id == "flow").Operating);
        Assert.Equal("[0.7, 1.3]", level.Operating!.ToString());
    }

    [Fact]
    public void Parse_OperatingDelay_SiteDefaultAndSignalOverride()
    {
        var text = SamplePlant.Text
            .Replace("operating_delay: 5s", "operating_delay: 20s", StringComparison.Ordinal)
            .Replace("operating: { low: 0.7, high: 1.3 }", "operating: { low: 0.7, high: 1.3, delay: 1m }", StringComparison.Ordinal);

        var plant = PlantModelLoader.Parse(text);

        Assert.Equal(TimeSpan.FromMinutes(1), plant.FindAsset("tank1")!.Signals[0].Operating!.Delay);
        Assert.Equal(TimeSpan.FromSeconds(20), plant.FindAsset("pump1")!.Signals.Single(s => s.Id == "motor_temp").Operating!.Delay);
    }

    [Fact]
    public void Parse_FloodCutOff_DefaultDurationOrOff()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), SamplePlant.Load().Validation.FloodCutOff);
        Assert.Equal(TimeSpan.FromMinutes(2), Parse("flood_cut_off: 2m").Validation.FloodCutOff);
        Assert.Null(Parse("flood_cut_off: off").Validation.FloodCutOff);
        var error = Assert.Throws<PlantModelException>(() => Parse("flood_cut_off: never"));
        Assert.Contains("flood_cut_off", error.Message, StringComparison.Ordinal);

        static PlantModel Parse(string line) => PlantModelLoader.Parse(
            SamplePlant.Text.Replace("  flood_factor: 4 ", "  " + line + "\n  flood_factor: 4 ", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SetPoint_NeedsNoMaxRate_ButAMeasurementDoes()
    {
        var setPoint = SamplePlant.Text.Replace("{ id: opening, unit: \"%\", range: [0, 100], max_rate: 40,", "{ id: opening, kind: setpoint, unit: \"%\", range: [0, 100],", StringComparison.Ordinal);
        var opening = PlantModelLoader.Parse(setPoint).FindAsset("valve_in")!.Signals[0];
        Assert.Equal((SignalKind.SetPoint, double.PositiveInfinity), (opening.Kind, opening.MaxRatePerSecond));
        Assert.Equal(SignalKind.Measurement, SamplePlant.Load().FindAsset("valve_in")!.Signals[0].Kind);

        var measurement = SamplePlant.Text.Replace("{ id: opening, unit: \"%\", range: [0, 100], max_rate: 40,", "{ id: opening, unit: \"%\", range: [0, 100],", StringComparison.Ordinal);
        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(measurement));
        Assert.Equal("assets[1].signals[0].max_rate", error.Field);

        var wrongKind = SamplePlant.Text.Replace("{ id: opening, unit: \"%\",", "{ id: opening, kind: command, unit: \"%\",", StringComparison.Ordinal);
        Assert.Contains("expected one of: measurement, setpoint", Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(wrongKind)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::ffff:127.0.0.1", true)] // a dual-stack socket reports an IPv4 client this way
    [InlineData("127.0.0.2", false)]
    [InlineData("10.0.10.77", true)]
    [InlineData("10.0.11.1", false)]
    [InlineData("fd00::5", true)]
    [InlineData("fd00::6", false)]
    public void Parse_DeviceAddresses_AcceptOnlyTheListedAddressesAndNetworks(string address, bool expected)
    {
        var text = SamplePlant.Text.Replace("    addresses: [127.0.0.1]\n\n  - id: tank-gateway", "    addresses: [127.0.0.1, 10.0.10.0/24, fd00::5]\n\n  - id: tank-gateway", StringComparison.Ordinal);

        var plc = PlantModelLoader.Parse(text).FindDevice("loop-plc")!;

        Assert.Equal(expected, plc.IsExpectedAddress(System.Net.IPAddress.Parse(address)));
    }

    [Fact]
    public void Parse_DeviceWithoutAddresses_AcceptsAnyAddress()
    {
        var text = SamplePlant.Text.Replace("    addresses: [127.0.0.1]\n\n  - id: tank-gateway", "\n  - id: tank-gateway", StringComparison.Ordinal);

        var plc = PlantModelLoader.Parse(text).FindDevice("loop-plc")!;

        Assert.Empty(plc.Addresses);
        Assert.True(plc.IsExpectedAddress(System.Net.IPAddress.Parse("192.0.2.1")));
    }

    private const string TankPasswordLine = "    password_hash: pbkdf2-sha256$600000$HbfD5/JIPrkBqrrvg8V1Qw==$QH6LF3yOfHLqrlVY5xtEhYmOb+NLtKV73G0MG5TwFo8=\n";

    [Fact]
    public void Parse_DeviceWithSecretHash_HasTheVerifierAndNoPasswordHash()
    {
        var (secret, hash) = DeviceSecretHash.Generate();
        var text = SamplePlant.Text.Replace(TankPasswordLine, $"    secret_hash: \"{hash}\"\n", StringComparison.Ordinal);

        var tank = PlantModelLoader.Parse(text).FindDevice("tank-gateway")!;

        Assert.Null(tank.PasswordHash);
        Assert.True(tank.SecretHash!.Verify(secret));
        Assert.Equal(hash.ToString(), tank.PasswordVerifier);
    }

    [Theory]
    [InlineData("both", "not both")]
    [InlineData("pbkdf2-in-secret_hash", "belongs in password_hash")]
    [InlineData("secret-in-password_hash", "belongs in secret_hash")]
    [InlineData("neither", "a device needs a password_hash")]
    public void Parse_DeviceCredentialInTheWrongPlace_IsRefusedSayingWhere(string mistake, string expected)
    {
        var secret = DeviceSecretHash.Generate().Hash.ToString();
        var pbkdf2 = TankPasswordLine.Trim()["password_hash: ".Length..];
        var replacement = mistake switch
        {
            "both" => $"{TankPasswordLine}    secret_hash: \"{secret}\"\n",
            "pbkdf2-in-secret_hash" => $"    secret_hash: {pbkdf2}\n",
            "secret-in-password_hash" => $"    password_hash: \"{secret}\"\n",
            _ => string.Empty,
        };
        var broken = SamplePlant.Text.Replace(TankPasswordLine, replacement, StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(broken, "p.yaml"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("devices[1]", error.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingRequiredField_SaysWhichOne()
    {
        var broken = SamplePlant.Text.Replace("unit: l/min, ", string.Empty, StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(broken, "p.yaml"));

        Assert.Equal("assets[0].signals[1].unit", error.Field);
        Assert.Contains("required field is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateAsset_IsRefused()
    {
        var broken = SamplePlant.Text.Replace("  - id: valve_out", "  - id: valve_in", StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(broken, "p.yaml"));

        Assert.Contains("duplicate asset id 'valve_in'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_YamlSyntaxError_GivesLine()
    {
        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse("site:\n  id: [unclosed\n", "s.yaml"));

        Assert.Equal("(syntax)", error.Field);
        Assert.True(error.Line >= 2);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5s", 1500)]
    public void DurationText_Valid_Parses(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), DurationText.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5 parsecs")]
    [InlineData("-1s")]
    public void DurationText_Invalid_Throws(string text) => Assert.Throws<FormatException>(() => DurationText.Parse(text));

    private const string Sequences = """
        correlation:
          window: 30s
          findings_for_incident: 3
          sequences:
            - id: stale-then-spoof
              first: { reasons: [stale], tags: [packaging] }
              then: { techniques: [T0856] }
              within: 2m
        """;

    [Fact]
    public void Parse_SequenceRules_ExpandsTagsAndKeepsTechniques()
    {
        var text = SamplePlant.Text.Replace(
            "correlation:\n  window: 30s                    # findings on one asset within this window ...\n  findings_for_incident: 3       # ... this many of them open an incident (a critical finding opens one at once)\n",
            Sequences + "\n", StringComparison.Ordinal);

        var rule = Assert.Single(PlantModelLoader.Parse(text).Correlation.Sequences);

        Assert.Equal(("stale-then-spoof", TimeSpan.FromMinutes(2)), (rule.Id, rule.Within));
        Assert.Equal(["conveyor1"], rule.First.Assets);
        Assert.Equal(["T0856"], rule.Then.Techniques);
        Assert.Equal(2, PlantModelLoader.Parse(SamplePlant.Text).Correlation.Sequences.Count); // the built-in ones
    }

    [Theory]
    [InlineData("techniques: [T0856]", "techniques: [T9999]", "'T9999' is no technique")]
    [InlineData("tags: [packaging]", "tags: [nowhere]", "no asset has the tag 'nowhere'")]
    [InlineData("reasons: [stale]", "reasons: [stalled]", "unknown reason code 'stalled'")]
    [InlineData("then: { techniques: [T0856] }", "then: {}", "expected at least one of reasons, techniques, assets, tags")]
    public void Parse_BadSequenceRule_FailsAtItsPosition(string original, string replacement, string expected)
    {
        var text = SamplePlant.Text.Replace(
            "correlation:\n  window: 30s                    # findings on one asset within this window ...\n  findings_for_incident: 3       # ... this many of them open an incident (a critical finding opens one at once)\n",
            Sequences.Replace(original, replacement, StringComparison.Ordinal) + "\n", StringComparison.Ordinal);

        var error = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(text, "plant.yaml"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("plant.yaml:3", error.Message, StringComparison.Ordinal);
        Assert.Contains("correlation.sequences[0]", error.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MultivariateAcceptAfter_IsReadAndDefaultsToNever()
    {
        Assert.Equal(0, SamplePlant.Load().Detection.MultivariateAcceptAfter);
        var text = SamplePlant.Text.Replace("  # multivariate_accept_after: 0 #", "  multivariate_accept_after: 14400 #", StringComparison.Ordinal);
        Assert.Equal(14400, PlantModelLoader.Parse(text).Detection.MultivariateAcceptAfter);
    }
}
