namespace TwinGuard.Twins.Plant;

/// <summary>The four primary data tables of a Modbus server (Modbus Application Protocol v1.1b3 §4.3).</summary>
public enum ModbusTable
{
    /// <summary>Read-write single bits (function codes 1, 5, 15).</summary>
    Coil,

    /// <summary>Read-only single bits (function code 2).</summary>
    DiscreteInput,

    /// <summary>Read-write 16-bit words (function codes 3, 6, 16, 23).</summary>
    Holding,

    /// <summary>Read-only 16-bit words (function code 4).</summary>
    Input,
}
