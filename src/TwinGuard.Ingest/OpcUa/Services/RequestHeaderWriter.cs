using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>Writes the RequestHeader every service request starts with (OPC 10000-4 §7.33).</summary>
public static class RequestHeaderWriter
{
    public static void Write(UaBinaryWriter writer, NodeId authenticationToken, uint requestHandle, TimeSpan timeout, TimeProvider time)
    {
        writer.WriteNodeId(authenticationToken);
        writer.WriteDateTime(time.GetUtcNow());
        writer.WriteUInt32(requestHandle);
        writer.WriteUInt32(0);            // ReturnDiagnostics: none
        writer.WriteString(null);         // AuditEntryId
        writer.WriteUInt32((uint)Math.Clamp(timeout.TotalMilliseconds, 0, uint.MaxValue)); // TimeoutHint
        writer.WriteExtensionObject(NodeId.Null, null); // AdditionalHeader
    }
}
