using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

/// <summary>Found by fuzzing (test/TwinGuard.Fuzz/regressions/plant-yaml): YamlDotNet's scanner threw InvalidOperationException.</summary>
public sealed class YamlScannerFailureTests
{
    private static string Crasher() => File.ReadAllText(Path.Combine(
        Path.GetDirectoryName(SamplePlant.Path)!, "..", "test", "TwinGuard.Fuzz", "regressions", "plant-yaml", "crashes-e2df4fd20530d44a"));

    [Fact]
    public void Parse_InputThatBreaksTheYamlScanner_RefusedWithPosition()
    {
        var refused = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(Crasher(), "fuzzed.yaml"));

        Assert.StartsWith("fuzzed.yaml:", refused.Message, StringComparison.Ordinal);
        Assert.Contains("(syntax)", refused.Message, StringComparison.Ordinal);
    }
}
