namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>A NodeId that may name its namespace by URI and another server (OPC 10000-6 §5.2.2.10).</summary>
/// <param name="NodeId">The NodeId.</param>
/// <param name="NamespaceUri">The namespace URI when sent instead of the index, else null.</param>
/// <param name="ServerIndex">The server the node lives on; 0 for this one.</param>
public sealed record ExpandedNodeId(NodeId NodeId, string? NamespaceUri, uint ServerIndex)
{
    /// <inheritdoc/>
    public override string ToString() =>
        (ServerIndex != 0 ? $"svr={ServerIndex};" : string.Empty) + (NamespaceUri is null ? NodeId.ToString() : $"nsu={NamespaceUri};{NodeId}");
}
