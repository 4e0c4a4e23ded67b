using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Simulator.Tests;

/// <summary>The parts of samples/plant.yaml the simulator must agree with, read straight from the file.</summary>
internal sealed record PlantYaml(
    IReadOnlyDictionary<(string Asset, string Signal), PlantYaml.SignalSpec> Signals,
    IReadOnlyDictionary<string, IReadOnlyList<string>> DeviceTopics,
    IReadOnlyList<(string Id, string Expression, double Tolerance)> Relations)
{
    internal sealed record SignalSpec(string Unit, double Min, double Max, double MaxRate, TimeSpan Period);

    private static readonly Lazy<PlantYaml> SampleFile = new(() => Load(Path.Combine(AppContext.BaseDirectory, "plant.yaml")));

    public static PlantYaml Sample => SampleFile.Value;

    public static PlantYaml Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            stream.Load(reader);
        }

        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var signals = new Dictionary<(string, string), SignalSpec>();
        foreach (YamlMappingNode asset in (YamlSequenceNode)root["assets"])
        {
            var assetId = Scalar(asset, "id");
            foreach (YamlMappingNode signal in (YamlSequenceNode)asset["signals"])
            {
                var range = (YamlSequenceNode)signal["range"];
                signals[(assetId, Scalar(signal, "id"))] = new SignalSpec(
                    Scalar(signal, "unit"),
                    Number(range[0]),
                    Number(range[1]),
                    Number(signal["max_rate"]),
                    Duration(Scalar(signal, "period")));
            }
        }

        var devices = new Dictionary<string, IReadOnlyList<string>>();
        foreach (YamlMappingNode device in (YamlSequenceNode)root["devices"])
        {
            devices[Scalar(device, "id")] = ((YamlSequenceNode)device["topics"]).Select(t => ((YamlScalarNode)t).Value!).ToArray();
        }

        var relations = ((YamlSequenceNode)root["relations"])
            .Cast<YamlMappingNode>()
            .Select(r => (Scalar(r, "id"), Scalar(r, "expression"), Number(r["tolerance"])))
            .ToArray();
        return new PlantYaml(signals, devices, relations);
    }

    /// <summary>MQTT topic filter matching (MQTT 3.1.1 §4.7.1.3: '+' matches exactly one level).</summary>
    public static bool TopicMatches(string filter, string topic)
    {
        var f = filter.Split('/');
        var t = topic.Split('/');
        if (f.Length != t.Length)
        {
            return false;
        }

        return f.Zip(t).All(p => p.First == "+" || p.First == p.Second);
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    private static double Number(YamlNode node) => double.Parse(((YamlScalarNode)node).Value!, CultureInfo.InvariantCulture);

    private static TimeSpan Duration(string text) => text.EndsWith("ms", StringComparison.Ordinal)
        ? TimeSpan.FromMilliseconds(double.Parse(text[..^2], CultureInfo.InvariantCulture))
        : TimeSpan.FromSeconds(double.Parse(text.TrimEnd('s'), CultureInfo.InvariantCulture));
}
