using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>The ResponseHeader every service response starts with (OPC 10000-4 §7.34).</summary>
/// <param name="Timestamp">When the server sent it.</param>
/// <param name="RequestHandle">The handle of the request it answers.</param>
/// <param name="ServiceResult">The result of the service as a whole.</param>
public sealed record ResponseHeader(DateTimeOffset? Timestamp, uint RequestHandle, StatusCode ServiceResult);
