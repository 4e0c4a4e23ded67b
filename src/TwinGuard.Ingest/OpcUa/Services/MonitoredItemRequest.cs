using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>One item to monitor (OPC 10000-4 §7.21 MonitoredItemCreateRequest, the Value attribute, reporting).</summary>
/// <param name="NodeId">The variable.</param>
/// <param name="ClientHandle">The handle its notifications will carry.</param>
/// <param name="SamplingInterval">How often the server samples it.</param>
/// <param name="AbsoluteDeadband">Changes smaller than this are not reported; 0 for every change.</param>
/// <param name="QueueSize">How many values the server queues between publishes.</param>
public sealed record MonitoredItemRequest(NodeId NodeId, uint ClientHandle, TimeSpan SamplingInterval, double AbsoluteDeadband, uint QueueSize = 10);
