using TwinGuard.Twins.Findings;

namespace TwinGuard.Ingest.Modbus;

/// <summary>What the guard decided about one request.</summary>
/// <param name="Allowed">True when the request goes on to the device.</param>
/// <param name="Exception">The exception code to answer with when refused.</param>
/// <param name="Reason">Why it was refused (for the finding).</param>
/// <param name="Detail">One line saying exactly what was refused.</param>
/// <param name="Address">The address concerned (the first offending one), or −1.</param>
/// <param name="Value">The offending written value, when there is one.</param>
/// <param name="Request">The parsed request, when it was well-formed.</param>
public readonly record struct ModbusGuardVerdict(
    bool Allowed,
    ModbusExceptionCode Exception,
    ReasonCode Reason,
    string Detail,
    int Address,
    double? Value,
    ModbusRequest Request)
{
    /// <summary>Lets a well-formed request through.</summary>
    public static ModbusGuardVerdict Allow(ModbusRequest request) => new(true, 0, 0, string.Empty, -1, null, request);

    /// <summary>Refuses with an exception response.</summary>
    public static ModbusGuardVerdict Refuse(ModbusExceptionCode code, ReasonCode reason, string detail, int address = -1, double? value = null, ModbusRequest request = default) =>
        new(false, code, reason, detail, address, value, request);
}
