using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Services;

namespace TwinGuard.Ingest.OpcUa.Client;

public sealed partial class OpcUaClient
{
    /// <summary>Read (§5.10.2) of one attribute of each node, with source and server timestamps.</summary>
    public async Task<IReadOnlyList<DataValue>> ReadAsync(IReadOnlyList<NodeId> nodes, uint attributeId, CancellationToken cancellationToken)
    {
        var response = await CallAsync(ServiceIds.ReadRequest, w =>
        {
            w.WriteDouble(0);  // MaxAge: a fresh value
            w.WriteInt32(2);   // TimestampsToReturn: Both
            w.WriteInt32(nodes.Count);
            foreach (var node in nodes)
            {
                // ReadValueId (§7.29): NodeId, AttributeId, IndexRange, DataEncoding.
                w.WriteNodeId(node);
                w.WriteUInt32(attributeId);
                w.WriteString(null);
                w.WriteQualifiedName(new QualifiedName(0, null));
            }
        }, cancellationToken);
        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, ServiceIds.ReadResponse);
        ResponseReader.ReadHeader(ref reader);
        var results = reader.ReadArray("DataValue", 1, static (ref UaBinaryReader r) => r.ReadDataValue());
        reader.SkipDiagnosticInfoArray();
        if (results.Length != nodes.Count)
        {
            throw reader.Error($"Read of {nodes.Count} nodes returned {results.Length} results");
        }

        return results;
    }

    /// <summary>
    /// Browse (§5.8.2) of the forward hierarchical references of <paramref name="node"/>, following continuation points
    /// with BrowseNext (§5.8.3) up to <see cref="OpcUaClientOptions.MaxBrowseReferences"/>.
    /// </summary>
    public async Task<IReadOnlyList<ReferenceDescription>> BrowseAsync(NodeId node, CancellationToken cancellationToken)
    {
        var response = await CallAsync(ServiceIds.BrowseRequest, w =>
        {
            w.WriteNodeId(NodeId.Null); // View: the whole address space
            w.WriteDateTime(null);
            w.WriteUInt32(0);
            w.WriteUInt32(1000);        // RequestedMaxReferencesPerNode
            w.WriteInt32(1);
            w.WriteNodeId(node);
            w.WriteInt32(0);            // BrowseDirection: Forward
            w.WriteNodeId(NodeId.Number(33)); // HierarchicalReferences (i=33)
            w.WriteBoolean(true);       // IncludeSubtypes
            w.WriteUInt32(0);           // NodeClassMask: all
            w.WriteUInt32(63);          // ResultMask: all fields
        }, cancellationToken);
        var references = new List<ReferenceDescription>();
        var continuation = ReadBrowseResult(response, ServiceIds.BrowseResponse, references);
        while (continuation is { Length: > 0 } point)
        {
            if (references.Count >= Options.MaxBrowseReferences)
            {
                await CallAsync(ServiceIds.BrowseNextRequest, w => { w.WriteBoolean(true); w.WriteInt32(1); w.WriteByteString(point); }, cancellationToken);
                throw new OpcUaException(StatusCodes.BadEncodingLimitsExceeded, $"{node} has more than {Options.MaxBrowseReferences} references");
            }

            var next = await CallAsync(ServiceIds.BrowseNextRequest, w =>
            {
                w.WriteBoolean(false); // ReleaseContinuationPoints
                w.WriteInt32(1);
                w.WriteByteString(point);
            }, cancellationToken);
            continuation = ReadBrowseResult(next, ServiceIds.BrowseNextResponse, references);
        }

        return references;
    }

    private static byte[]? ReadBrowseResult(ReadOnlyMemory<byte> response, uint type, List<ReferenceDescription> into)
    {
        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, type);
        ResponseReader.ReadHeader(ref reader);
        var count = reader.ReadArrayLength("BrowseResult", 12);
        if (count != 1)
        {
            throw reader.Error($"expected one BrowseResult, received {count}");
        }

        // BrowseResult (§7.6): StatusCode, ContinuationPoint, References[].
        var status = reader.ReadStatusCode();
        if (status.IsBad)
        {
            throw new OpcUaException(status, $"the server refused to browse: {status}");
        }

        var continuation = reader.ReadByteString();
        into.AddRange(reader.ReadArray("ReferenceDescription", 16, static (ref UaBinaryReader r) => ReferenceDescription.Read(ref r)));
        reader.SkipDiagnosticInfoArray();
        return continuation;
    }
}
