namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>A name qualified by a namespace index (OPC 10000-3 §8.3), e.g. a node's BrowseName.</summary>
public sealed record QualifiedName(ushort NamespaceIndex, string? Name)
{
    /// <inheritdoc/>
    public override string ToString() => NamespaceIndex == 0 ? Name ?? string.Empty : $"{NamespaceIndex}:{Name}";
}
