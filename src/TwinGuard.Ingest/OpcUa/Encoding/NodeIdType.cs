namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>The kinds of NodeId identifier (OPC 10000-3 §8.2.3).</summary>
public enum NodeIdType
{
    Numeric,
    String,
    Guid,
    Opaque,
}
