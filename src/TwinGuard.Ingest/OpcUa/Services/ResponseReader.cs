using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>Reads what every response starts with: its encoding NodeId and its ResponseHeader.</summary>
public static class ResponseReader
{
    /// <summary>Checks that the response is <paramref name="expected"/>; a ServiceFault becomes an exception with its result.</summary>
    /// <exception cref="OpcUaException">A ServiceFault (its ServiceResult), or a response of another type.</exception>
    public static void ExpectType(ref UaBinaryReader reader, uint expected)
    {
        var type = reader.ReadNodeId();
        if (type is { NamespaceIndex: 0, Type: NodeIdType.Numeric } && type.Numeric == expected)
        {
            return;
        }

        if (type is { NamespaceIndex: 0, Type: NodeIdType.Numeric, Numeric: ServiceIds.ServiceFault })
        {
            // OPC 10000-4 §7.35 ServiceFault: a ResponseHeader alone, its ServiceResult saying why.
            var header = ReadHeaderUnchecked(ref reader);
            throw new OpcUaException(header.ServiceResult, $"the server refused the request: {header.ServiceResult}");
        }

        throw reader.Error($"expected response type i={expected}, received {type}");
    }

    /// <summary>Reads the header; a Bad ServiceResult becomes an exception.</summary>
    public static ResponseHeader ReadHeader(ref UaBinaryReader reader)
    {
        var header = ReadHeaderUnchecked(ref reader);
        return header.ServiceResult.IsBad
            ? throw new OpcUaException(header.ServiceResult, $"the server refused the request: {header.ServiceResult}")
            : header;
    }

    private static ResponseHeader ReadHeaderUnchecked(ref UaBinaryReader reader)
    {
        var timestamp = reader.ReadDateTime();
        var handle = reader.ReadUInt32();
        var result = reader.ReadStatusCode();
        reader.SkipDiagnosticInfo();
        reader.ReadStringArray();
        reader.ReadExtensionObject();
        return new ResponseHeader(timestamp, handle, result);
    }
}
