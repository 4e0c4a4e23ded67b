namespace TwinGuard.Ingest.Modbus;

/// <summary>How polling a device went lately.</summary>
/// <param name="Reachable">True when the last poll succeeded.</param>
/// <param name="ConsecutiveFailures">Failed polls since the last success.</param>
/// <param name="LastError">Why the last poll failed; null after a success.</param>
/// <param name="LastSuccess">When a poll last succeeded, if ever.</param>
public sealed record ModbusDeviceHealth(bool Reachable, int ConsecutiveFailures, string? LastError, DateTimeOffset? LastSuccess);
