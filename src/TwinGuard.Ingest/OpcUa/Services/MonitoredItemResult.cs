using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>The server's answer for one item (OPC 10000-4 §7.22 MonitoredItemCreateResult).</summary>
public sealed record MonitoredItemResult(StatusCode Status, uint MonitoredItemId, TimeSpan RevisedSamplingInterval, uint RevisedQueueSize);
