namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>A structure wrapped with the NodeId of its encoding (OPC 10000-6 §5.2.2.15); the body is kept as bytes.</summary>
/// <param name="TypeId">The encoding's NodeId (e.g. i=811 for DataChangeNotification's binary encoding).</param>
/// <param name="Body">The binary body, empty when none was sent.</param>
public sealed record ExtensionObject(NodeId TypeId, ReadOnlyMemory<byte> Body)
{
    /// <summary>The null extension object (no type, no body).</summary>
    public static ExtensionObject Null { get; } = new(NodeId.Null, ReadOnlyMemory<byte>.Empty);

    /// <inheritdoc/>
    public override string ToString() => $"ExtensionObject({TypeId}, {Body.Length} bytes)";
}
