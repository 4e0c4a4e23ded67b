namespace TwinGuard.Simulator.Scenarios;

/// <summary>
/// The scenario library: <c>scenarios/*.yaml</c>, embedded in the assembly so that <c>twinguard simulate</c> works
/// from any directory.
/// </summary>
public static class ScenarioLibrary
{
    private const string Prefix = "scenarios/";

    /// <summary>The names of the embedded scenarios, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(ScenarioLibrary).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^".yaml".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Every embedded scenario, in name order.</summary>
    public static IReadOnlyList<Scenario> All() => Names.Select(Embedded).ToArray();

    /// <summary>An embedded scenario by name.</summary>
    /// <exception cref="ArgumentException">No embedded scenario has that name.</exception>
    public static Scenario Embedded(string name)
    {
        using var stream = typeof(ScenarioLibrary).Assembly.GetManifestResourceStream(Prefix + name + ".yaml")
            ?? throw new ArgumentException($"no scenario '{name}'; known: {string.Join(", ", Names)}", nameof(name));
        using var reader = new StreamReader(stream);
        return ScenarioLoader.Parse(reader.ReadToEnd(), $"embedded:{name}.yaml");
    }

    /// <summary>A scenario by name (embedded) or by path (a <c>.yaml</c> file).</summary>
    /// <exception cref="ArgumentException">Neither a known name nor an existing file.</exception>
    /// <exception cref="TwinGuard.Twins.Plant.PlantModelException">The file is not a valid scenario.</exception>
    public static Scenario Resolve(string nameOrPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        if (Names.Contains(nameOrPath))
        {
            return Embedded(nameOrPath);
        }

        if (File.Exists(nameOrPath))
        {
            return ScenarioLoader.Load(nameOrPath);
        }

        throw new ArgumentException($"'{nameOrPath}' is neither a scenario ({string.Join(", ", Names)}) nor a file", nameof(nameOrPath));
    }

    /// <summary>The sample plant model (<c>samples/plant.yaml</c>) as embedded at build time.</summary>
    public static string SamplePlantYaml => Text("samples/plant.yaml");

    /// <summary>The sample playbooks (<c>samples/playbooks.yaml</c>) as embedded at build time.</summary>
    public static string SamplePlaybooksYaml => Text("samples/playbooks.yaml");

    private static string Text(string resource)
    {
        using var stream = typeof(ScenarioLibrary).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"resource '{resource}' is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
