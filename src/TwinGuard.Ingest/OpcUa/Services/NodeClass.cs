namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>The classes of node (OPC 10000-3 §8.29), a bit each so that they combine into a mask.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1027:Mark enums with FlagsAttribute", Justification = "A node has exactly one class; the mask is built elsewhere.")]
public enum NodeClass
{
    Unspecified = 0,
    Object = 1,
    Variable = 2,
    Method = 4,
    ObjectType = 8,
    VariableType = 16,
    ReferenceType = 32,
    DataType = 64,
    View = 128,
}
