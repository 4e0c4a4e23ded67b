namespace TwinGuard.Ingest.Modbus;

/// <summary>No complete response arrived within the timeout (or the connection could not be made in time).</summary>
public sealed class ModbusTimeoutException(string message) : ModbusException(message);
