namespace TwinGuard.Ingest.Modbus;

/// <summary>The server answered with an exception response (Modbus Application Protocol v1.1b3 §7).</summary>
public sealed class ModbusServerException(ModbusFunction function, ModbusExceptionCode code)
    : ModbusException($"function {(byte)function} answered with exception {(byte)code:X2} ({code})")
{
    /// <summary>The function of the request.</summary>
    public ModbusFunction Function { get; } = function;

    /// <summary>The exception code the server sent.</summary>
    public ModbusExceptionCode Code { get; } = code;
}
