using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>One reference a Browse found (OPC 10000-4 §7.30 ReferenceDescription).</summary>
public sealed record ReferenceDescription(
    NodeId ReferenceTypeId,
    bool IsForward,
    ExpandedNodeId NodeId,
    QualifiedName BrowseName,
    LocalizedText DisplayName,
    NodeClass NodeClass,
    ExpandedNodeId TypeDefinition)
{
    public static ReferenceDescription Read(ref UaBinaryReader reader) => new(
        reader.ReadNodeId(),
        reader.ReadBoolean(),
        reader.ReadExpandedNodeId(),
        reader.ReadQualifiedName(),
        reader.ReadLocalizedText(),
        (NodeClass)reader.ReadInt32(),
        reader.ReadExpandedNodeId());
}
