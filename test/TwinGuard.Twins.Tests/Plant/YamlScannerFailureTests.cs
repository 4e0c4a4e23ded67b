using System.Text;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

/// <summary>
/// Found by fuzzing (test/TwinGuard.Fuzz/regressions/plant-yaml): YamlDotNet threw InvalidOperationException (its scanner)
/// and ArgumentException (its node loader, "the current event is of an unsupported type") instead of a YamlException.
/// </summary>
public sealed class YamlScannerFailureTests
{
    private static string Crasher(string name) => Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(
        Path.GetDirectoryName(SamplePlant.Path)!, "..", "test", "TwinGuard.Fuzz", "regressions", "plant-yaml", name)));

    [Theory]
    [InlineData("crashes-e2df4fd20530d44a")]
    [InlineData("crashes-292f5d342f4f12a6")]
    public void Parse_InputThatBreaksYamlDotNet_RefusedWithPosition(string crasher)
    {
        var refused = Assert.Throws<PlantModelException>(() => PlantModelLoader.Parse(Crasher(crasher), "fuzzed.yaml"));

        Assert.StartsWith("fuzzed.yaml:", refused.Message, StringComparison.Ordinal);
        Assert.Contains("(syntax)", refused.Message, StringComparison.Ordinal);
    }
}
