namespace TwinGuard.Ingest.Modbus;

/// <summary>A response that violates the protocol: wrong transaction id, protocol id, length, unit id, function or byte count.</summary>
/// <remarks>The connection is closed afterwards: once framing is in doubt, nothing later on that stream can be trusted.</remarks>
public sealed class ModbusProtocolException(string message) : ModbusException(message);
