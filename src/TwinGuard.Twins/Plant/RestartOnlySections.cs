using System.Text;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Twins.Plant;

/// <summary>
/// The parts of a plant model that a reload cannot apply to a running site: the sockets (<c>listeners:</c>), the Modbus
/// pollers and guards (<c>modbus:</c>), the OPC UA subscriptions (<c>opcua:</c>) and the site's identity
/// (<c>site.id</c>, which names the site in the ledger, reports and the SIEM).
/// </summary>
public static class RestartOnlySections
{
    /// <summary>The sections that differ between two valid plant model texts, by name; empty when a reload can apply <paramref name="after"/>.</summary>
    public static IReadOnlyList<string> Changed(string before, string after)
    {
        var (old, next) = (Root(before), Root(after));
        var changed = new List<string>();
        foreach (var section in (string[])["listeners", "modbus", "opcua"])
        {
            if (!string.Equals(Canonical(Child(old, section)), Canonical(Child(next, section)), StringComparison.Ordinal))
            {
                changed.Add(section);
            }
        }

        if (!string.Equals(Canonical(Child(Child(old, "site") as YamlMappingNode, "id")), Canonical(Child(Child(next, "site") as YamlMappingNode, "id")), StringComparison.Ordinal))
        {
            changed.Add("site.id");
        }

        return changed;
    }

    private static YamlMappingNode? Root(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
    }

    private static YamlNode? Child(YamlMappingNode? mapping, string key) =>
        mapping is not null && mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    /// <summary>The node's content without layout, comments, quoting or key order.</summary>
    private static string Canonical(YamlNode? node)
    {
        var text = new StringBuilder();
        Write(node, text);
        return text.ToString();

        static void Write(YamlNode? node, StringBuilder text)
        {
            switch (node)
            {
                case null:
                    text.Append('~');
                    break;
                case YamlScalarNode scalar:
                    text.Append('"').Append(scalar.Value?.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                    break;
                case YamlSequenceNode sequence:
                    text.Append('[');
                    foreach (var item in sequence.Children)
                    {
                        Write(item, text);
                        text.Append(',');
                    }

                    text.Append(']');
                    break;
                case YamlMappingNode mapping:
                    text.Append('{');
                    foreach (var (key, value) in mapping.Children.OrderBy(p => (p.Key as YamlScalarNode)?.Value, StringComparer.Ordinal))
                    {
                        Write(key, text);
                        text.Append(':');
                        Write(value, text);
                        text.Append(',');
                    }

                    text.Append('}');
                    break;
                default:
                    text.Append(node.ToString());
                    break;
            }
        }
    }
}
