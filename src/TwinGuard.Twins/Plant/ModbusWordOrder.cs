namespace TwinGuard.Twins.Plant;

/// <summary>
/// Which register of a two-register value holds the most significant word. The protocol fixes the byte order inside a
/// register (big-endian, Modbus Application Protocol v1.1b3 §4.2) but not the order of registers; vendors differ.
/// </summary>
public enum ModbusWordOrder
{
    /// <summary>The first (lower-addressed) register holds the high word ("ABCD"); the common default.</summary>
    HighFirst,

    /// <summary>The first register holds the low word ("CDAB").</summary>
    LowFirst,
}
