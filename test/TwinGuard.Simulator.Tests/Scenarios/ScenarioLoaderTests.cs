using TwinGuard.Simulator.Scenarios;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Simulator.Tests.Scenarios;

public sealed class ScenarioLoaderTests
{
    private const string Valid = """
        id: test
        description: A test scenario.
        run:
          duration: 5m
        attack:
          kind: bias
          device: loop-plc
          asset: pump1
          signals: [flow]
          start: 3m
          duration: 1m
          intensity: 2
          intensities: [1, 2]
        expect:
          detected_by: [relation_violated]
          within: 1m
          within_range: true
        """;

    [Fact]
    public void Library_EveryRequiredAttack_HasAScenario()
    {
        var kinds = ScenarioLibrary.All().Select(s => s.Attack.Kind).ToHashSet();
        foreach (var kind in Enum.GetValues<ScenarioKind>())
        {
            Assert.Contains(kind, kinds);
        }
    }

    [Fact]
    public void Library_EveryScenario_HasConsistentGroundTruth()
    {
        Assert.True(ScenarioLibrary.Names.Count >= 12);
        foreach (var name in ScenarioLibrary.Names)
        {
            var scenario = ScenarioLibrary.Embedded(name);
            Assert.Equal(name, scenario.Id);
            Assert.True(scenario.Attack.Start > TimeSpan.Zero && scenario.Attack.End > scenario.Attack.Start, name);
            Assert.True(scenario.Attack.End < scenario.Duration, name);
            Assert.Contains(scenario.Attack.Intensity, scenario.Attack.Intensities);
            Assert.True(scenario.Attack.Intensities.Count >= 1, name);
            Assert.NotEmpty(scenario.Expect.Reasons);
            if (scenario.Expect.WithinRange && scenario.Attack.Kind != ScenarioKind.Frozen && scenario.Attack.Kind != ScenarioKind.SetPointTampering)
            {
                Assert.Contains("relation_violated", scenario.Expect.Reasons);
            }
        }
    }

    [Fact]
    public void Library_ScenarioFiles_AreTheEmbeddedOnes()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "scenarios");
        var files = Directory.GetFiles(directory, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files, ScenarioLibrary.Names);
        foreach (var file in Directory.GetFiles(directory, "*.yaml"))
        {
            var loaded = ScenarioLoader.Load(file);
            var embedded = ScenarioLibrary.Embedded(Path.GetFileNameWithoutExtension(file));
            Assert.Equal(file, loaded.Source);
            Assert.Equal((embedded.Id, embedded.Description, embedded.Duration, embedded.Attack.Kind, embedded.Attack.Start, embedded.Attack.End),
                (loaded.Id, loaded.Description, loaded.Duration, loaded.Attack.Kind, loaded.Attack.Start, loaded.Attack.End));
        }
    }

    [Fact]
    public void Parse_ValidScenario_ReadsEveryField()
    {
        var scenario = ScenarioLoader.Parse(Valid, "test.yaml");
        Assert.Equal("test", scenario.Id);
        Assert.Equal(TimeSpan.FromMinutes(5), scenario.Duration);
        Assert.Equal(ScenarioKind.Bias, scenario.Attack.Kind);
        Assert.Equal(["flow"], scenario.Attack.SignalIds);
        Assert.Equal(TimeSpan.FromMinutes(3), scenario.Attack.Start);
        Assert.Equal(TimeSpan.FromMinutes(4), scenario.Attack.End);
        Assert.Equal(2, scenario.Attack.Intensity);
        Assert.Equal([1.0, 2.0], scenario.Attack.Intensities);
        Assert.Equal(["pump1"], scenario.Expect.AssetIds);
        Assert.True(scenario.Expect.WithinRange);
        Assert.False(scenario.Expect.Contain);
    }

    [Theory]
    [InlineData("  signals: [flow]", "  signals: [flw]", "test.yaml:9:13: attack.signals[0]: asset 'pump1' has no signal 'flw'")]
    [InlineData("  kind: bias", "  kind: biased", "test.yaml:6:9: attack.kind: expected one of:")]
    [InlineData("  within: 1m", "  withn: 1m", "test.yaml:16:3: expect.withn: unknown field")]
    [InlineData("  device: loop-plc", "  device: tank-gateway", "test.yaml:8:10: attack.asset: device 'tank-gateway' does not publish asset 'pump1'")]
    [InlineData("  detected_by: [relation_violated]", "  detected_by: [relation_broken]", "test.yaml:15:17: expect.detected_by[0]: expected a reason code")]
    [InlineData("  start: 3m", "  start: 3m100ms", "test.yaml:10:10: attack.start: expected a positive duration")]
    [InlineData("  start: 3m", "  start: 270s", "test.yaml:10:10: attack.start: the attack must end before the run does")]
    [InlineData("  intensity: 2", "  intensity: -1", "test.yaml:12:14: attack.intensity: expected a number greater than 0")]
    [InlineData("  within_range: true", "  within_range: yes please", "test.yaml:17:17: expect.within_range: expected true or false")]
    [InlineData("  signals: [flow]", "  signals: [flow", "test.yaml:")]
    public void Parse_BadField_RefusesWithFileLineAndColumn(string line, string replacement, string expected)
    {
        Assert.Contains(line, Valid, StringComparison.Ordinal);
        var ex = Assert.Throws<PlantModelException>(() => ScenarioLoader.Parse(Valid.Replace(line, replacement, StringComparison.Ordinal), "test.yaml"));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingExpect_SaysWhichFieldIsMissing()
    {
        var ex = Assert.Throws<PlantModelException>(() => ScenarioLoader.Parse(Valid[..Valid.IndexOf("expect:", StringComparison.Ordinal)], "test.yaml"));
        Assert.Equal("test.yaml:1:1: expect: required field is missing", ex.Message);
    }

    [Fact]
    public void Parse_UnknownDeviceThatIsAPlantDevice_IsRefused()
    {
        var yaml = Valid.Replace("kind: bias", "kind: unknown_device", StringComparison.Ordinal);
        var ex = Assert.Throws<PlantModelException>(() => ScenarioLoader.Parse(yaml, "test.yaml"));
        Assert.Contains("attack.device: an unknown device must not be one of the plant's devices", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_NeitherNameNorFile_SaysWhatIsKnown()
    {
        var ex = Assert.Throws<ArgumentException>(() => ScenarioLibrary.Resolve("no-such-scenario"));
        Assert.Contains("bias", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NameOf_EveryKind_IsSnakeCase()
    {
        Assert.Equal("coordinated_spoof", ScenarioLoader.NameOf(ScenarioKind.CoordinatedSpoof));
        Assert.Equal("set_point_tampering", ScenarioLoader.NameOf(ScenarioKind.SetPointTampering));
        Assert.Equal("spike", ScenarioLoader.NameOf(ScenarioKind.Spike));
    }

    [Fact]
    public void Parse_Stages_KeepsEachStageWithItsExpectation_InOrder()
    {
        var scenario = ScenarioLibrary.Embedded("multi-stage-intrusion");

        Assert.Equal([ScenarioKind.UnknownDevice, ScenarioKind.CredentialReuse, ScenarioKind.CoordinatedSpoof], scenario.Stages.Select(s => s.Attack.Kind));
        Assert.Equal(scenario.Attack, scenario.Stages[0].Attack);
        Assert.Equal(["unexpected_address"], scenario.Stages[1].Expect.Reasons);
        Assert.Equal(["pump1"], scenario.Stages[2].Expect.AssetIds);
        Assert.True(scenario.Stages.Zip(scenario.Stages.Skip(1)).All(p => p.First.Attack.End < p.Second.Attack.Start));
        Assert.All(scenario.AtIntensity(2).Stages, s => Assert.Equal(2, s.Attack.Intensity));
    }

    [Fact]
    public void Parse_StagesBesideAnAttack_IsRefusedWithItsPosition()
    {
        const string yaml = """
            id: both
            description: d
            run: { duration: 5m }
            attack: { kind: flood, device: loop-plc, start: 1m, duration: 10s }
            expect: { detected_by: [flooding], within: 10s }
            stages:
              - attack: { kind: flood, device: loop-plc, start: 1m, duration: 10s }
                expect: { detected_by: [flooding], within: 10s }
            """;

        var error = Assert.Throws<TwinGuard.Twins.Plant.PlantModelException>(() => ScenarioLoader.Parse(yaml, "both.yaml"));

        Assert.StartsWith("both.yaml:4:", error.Message, StringComparison.Ordinal);
        Assert.Contains("either attack and expect, or stages", error.Message, StringComparison.Ordinal);
    }
}

