namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>Attribute ids (OPC 10000-6 AttributeIds.csv).</summary>
public static class AttributeIds
{
    public const uint NodeId = 1;
    public const uint NodeClass = 2;
    public const uint BrowseName = 3;
    public const uint DisplayName = 4;
    public const uint Value = 13;
    public const uint DataType = 14;
}
