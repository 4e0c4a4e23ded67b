using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>A data change of one monitored item (OPC 10000-4 §7.25.2).</summary>
/// <param name="ClientHandle">The handle the client gave the item.</param>
/// <param name="Value">The new value with its status and timestamps.</param>
public sealed record MonitoredItemNotification(uint ClientHandle, DataValue Value);
