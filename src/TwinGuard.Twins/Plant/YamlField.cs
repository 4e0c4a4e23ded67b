using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Twins.Plant;

/// <summary>A node of the plant model file with its dotted path, so that every error can say where it is.</summary>
internal readonly record struct YamlField(string File, string Path, YamlNode Node)
{
    /// <summary>Parses a configuration file of exactly one YAML document; syntax errors name the line and column.</summary>
    /// <exception cref="PlantModelException">The text is not one well-formed YAML document.</exception>
    public static YamlField LoadDocument(string yaml, string file)
    {
        var stream = new YamlStream();
        var parser = new YamlDotNet.Core.Parser(new StringReader(yaml));
        try
        {
            stream.Load(parser);
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new PlantModelException(file, (int)ex.Start.Line, (int)ex.Start.Column, "(syntax)", ex.InnerException?.Message ?? ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these instead of a YamlException: its scanner for some malformed plain scalars
            // (InvalidOperationException), its node loader for an event it does not expect where a node should start
            // (ArgumentException "The current event is of an unsupported type"); both found by fuzzing
            // (test/TwinGuard.Fuzz/regressions/plant-yaml). The position is the end of the last event read.
            var at = parser.Current?.End ?? YamlDotNet.Core.Mark.Empty;
            throw new PlantModelException(file, Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column), "(syntax)", $"the YAML cannot be read after this point ({ex.Message})");
        }

        if (stream.Documents.Count != 1)
        {
            throw new PlantModelException(file, 1, 1, "(document)", $"expected exactly one YAML document, found {stream.Documents.Count}");
        }

        return new YamlField(file, string.Empty, stream.Documents[0].RootNode);
    }

    public PlantModelException Error(string problem) =>
        new(File, (int)Node.Start.Line, (int)Node.Start.Column, Path, problem);

    private string Found => Node switch
    {
        YamlScalarNode s => $", found '{s.Value}'",
        YamlSequenceNode => ", found a list",
        YamlMappingNode => ", found a mapping",
        _ => string.Empty,
    };

    public YamlMappingNode Mapping => Node as YamlMappingNode ?? throw Error("expected a mapping" + Found);

    public YamlField? Optional(string key)
    {
        var mapping = Mapping;
        return mapping.Children.TryGetValue(new YamlScalarNode(key), out var child)
            ? new YamlField(File, Path.Length == 0 ? key : $"{Path}.{key}", child)
            : null;
    }

    public YamlField Required(string key) =>
        Optional(key) ?? throw new PlantModelException(File, (int)Node.Start.Line, (int)Node.Start.Column,
            Path.Length == 0 ? key : $"{Path}.{key}", "required field is missing");

    /// <summary>Refuses keys that the schema does not know: a misspelt key would otherwise be silently ignored.</summary>
    public void AllowOnly(params string[] keys)
    {
        foreach (var key in Mapping.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (Array.IndexOf(keys, name) < 0)
            {
                throw new PlantModelException(File, (int)key.Start.Line, (int)key.Start.Column,
                    Path.Length == 0 ? name : $"{Path}.{name}", $"unknown field; expected one of: {string.Join(", ", keys)}");
            }
        }
    }

    public IEnumerable<YamlField> Items()
    {
        if (Node is not YamlSequenceNode sequence)
        {
            throw Error("expected a list" + Found);
        }

        var path = Path;
        var file = File;
        return sequence.Children.Select((child, i) => new YamlField(file, $"{path}[{i}]", child));
    }

    public string String()
    {
        if (Node is not YamlScalarNode { Value: { } value } || value.Length == 0)
        {
            throw Error("expected a non-empty text" + Found);
        }

        return value;
    }

    /// <summary>The scalar <c>true</c> or <c>false</c>.</summary>
    public bool Boolean() => Node is YamlScalarNode { Value: "true" } ? true
        : Node is YamlScalarNode { Value: "false" } ? false
        : throw Error("expected true or false" + Found);

    public string Identifier()
    {
        var value = String();
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                throw Error($"expected an identifier (letters, digits, '_' and '-'), found '{value}'");
            }
        }

        return value;
    }

    public double Number()
    {
        var text = Node is YamlScalarNode s ? s.Value : null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw Error("expected a finite number" + Found);
        }

        return value;
    }

    public double PositiveNumber()
    {
        var value = Number();
        return value > 0 ? value : throw Error("expected a number greater than 0" + Found);
    }

    public int PositiveInteger()
    {
        var text = Node is YamlScalarNode s ? s.Value : null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw Error("expected a whole number greater than 0" + Found);
    }

    /// <summary>A duration such as <c>250ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>.</summary>
    public TimeSpan Duration()
    {
        var text = Node is YamlScalarNode s ? s.Value ?? string.Empty : string.Empty;
        return DurationText.TryParse(text, out var value) && value > TimeSpan.Zero
            ? value
            : throw Error("expected a positive duration such as 250ms, 5s, 2m or 1h" + Found);
    }

    public TEnum Enum<TEnum>()
        where TEnum : struct, Enum
    {
        var text = Node is YamlScalarNode s ? s.Value : null;
        return System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && System.Enum.IsDefined(value)
            ? value
            : throw Error($"expected one of: {string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}" + Found);
    }

    public IReadOnlyList<string> StringList() => Items().Select(i => i.String()).ToList();
}
