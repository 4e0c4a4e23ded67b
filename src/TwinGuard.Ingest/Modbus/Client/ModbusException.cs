namespace TwinGuard.Ingest.Modbus;

/// <summary>A Modbus request that failed; the subclass says how (server exception, protocol violation, timeout, no connection).</summary>
public abstract class ModbusException(string message, Exception? inner = null) : Exception(message, inner);
