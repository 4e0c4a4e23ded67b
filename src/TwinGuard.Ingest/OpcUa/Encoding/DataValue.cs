namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>A value with its quality and timestamps (OPC 10000-4 §7.11).</summary>
/// <param name="Value">The value.</param>
/// <param name="Status">Its quality; Good when not sent.</param>
/// <param name="SourceTimestamp">When the source sampled it, when sent.</param>
/// <param name="ServerTimestamp">When the server received it, when sent.</param>
public sealed record DataValue(Variant Value, StatusCode Status, DateTimeOffset? SourceTimestamp, DateTimeOffset? ServerTimestamp);
