using System.Globalization;

namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>An OPC UA NodeId (OPC 10000-3 §8.2): a namespace index and a numeric, string, GUID or opaque identifier.</summary>
/// <remarks>Text form as in OPC 10000-6 §5.3.1.10: <c>i=85</c>, <c>ns=1;s=pump1.speed</c>, <c>ns=2;g=...</c>, <c>ns=3;b=base64</c>.</remarks>
public sealed record NodeId(ushort NamespaceIndex, NodeIdType Type, uint Numeric, string? Text, Guid Guid, byte[]? Opaque)
{
    /// <summary>The null NodeId (ns=0;i=0).</summary>
    public static NodeId Null { get; } = Number(0);

    /// <summary>A numeric NodeId.</summary>
    public static NodeId Number(uint value, ushort ns = 0) => new(ns, NodeIdType.Numeric, value, null, Guid.Empty, null);

    /// <summary>A string NodeId.</summary>
    public static NodeId String(string value, ushort ns) => new(ns, NodeIdType.String, 0, value, Guid.Empty, null);

    /// <summary>True for ns=0;i=0.</summary>
    public bool IsNull => NamespaceIndex == 0 && Type == NodeIdType.Numeric && Numeric == 0;

    /// <summary>Parses the text form; false with the reason in <paramref name="error"/> when it is not one.</summary>
    public static bool TryParse(string text, out NodeId nodeId, out string error)
    {
        nodeId = Null;
        error = string.Empty;
        var rest = text.AsSpan();
        ushort ns = 0;
        if (rest.StartsWith("ns="))
        {
            var semicolon = rest.IndexOf(';');
            if (semicolon < 0 || !ushort.TryParse(rest[3..semicolon], NumberStyles.None, CultureInfo.InvariantCulture, out ns))
            {
                error = "expected ns=<0-65535>; before the identifier";
                return false;
            }

            rest = rest[(semicolon + 1)..];
        }

        if (rest.Length < 3 || rest[1] != '=')
        {
            error = "expected i=, s=, g= or b= followed by the identifier, e.g. ns=1;s=pump1.speed or i=2258";
            return false;
        }

        var value = rest[2..];
        switch (rest[0])
        {
            case 'i' when uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number):
                nodeId = Number(number, ns);
                return true;
            case 's' when value.Length <= 4096:
                nodeId = String(value.ToString(), ns);
                return true;
            case 'g' when Guid.TryParse(value, out var guid):
                nodeId = new NodeId(ns, NodeIdType.Guid, 0, null, guid, null);
                return true;
            case 'b':
                var bytes = new byte[value.Length];
                if (Convert.TryFromBase64Chars(value, bytes, out var written))
                {
                    nodeId = new NodeId(ns, NodeIdType.Opaque, 0, null, Guid.Empty, bytes[..written]);
                    return true;
                }

                break;
        }

        error = $"'{text}' is not a NodeId such as ns=1;s=pump1.speed, i=2258, ns=2;g=<guid> or ns=3;b=<base64>";
        return false;
    }

    /// <summary>Parses the text form.</summary>
    /// <exception cref="FormatException">Not a NodeId.</exception>
    public static NodeId Parse(string text) => TryParse(text, out var id, out var error) ? id : throw new FormatException(error);

    /// <inheritdoc/>
    public bool Equals(NodeId? other) => other is not null && NamespaceIndex == other.NamespaceIndex && Type == other.Type && Type switch
    {
        NodeIdType.Numeric => Numeric == other.Numeric,
        NodeIdType.String => string.Equals(Text, other.Text, StringComparison.Ordinal),
        NodeIdType.Guid => Guid == other.Guid,
        _ => Opaque.AsSpan().SequenceEqual(other.Opaque),
    };

    /// <inheritdoc/>
    public override int GetHashCode() => Type switch
    {
        NodeIdType.Numeric => HashCode.Combine(NamespaceIndex, Numeric),
        NodeIdType.String => HashCode.Combine(NamespaceIndex, Text),
        NodeIdType.Guid => HashCode.Combine(NamespaceIndex, Guid),
        _ => HashCode.Combine(NamespaceIndex, Opaque?.Length),
    };

    /// <inheritdoc/>
    public override string ToString()
    {
        var prefix = NamespaceIndex == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"ns={NamespaceIndex};");
        return Type switch
        {
            NodeIdType.Numeric => prefix + "i=" + Numeric.ToString(CultureInfo.InvariantCulture),
            NodeIdType.String => prefix + "s=" + Text,
            NodeIdType.Guid => prefix + "g=" + Guid.ToString(),
            _ => prefix + "b=" + Convert.ToBase64String(Opaque ?? []),
        };
    }
}
