namespace TwinGuard.Ingest.Modbus;

/// <summary>The device cannot be reached: the connection failed or was lost, or the client is backing off before retrying.</summary>
public sealed class ModbusUnavailableException(string message, Exception? inner = null) : ModbusException(message, inner);
