namespace TwinGuard.Twins.Plant;

/// <summary>How the register(s) behind a signal encode its value.</summary>
public enum ModbusValueType
{
    /// <summary>One bit of a coil or discrete input: 0 or 1.</summary>
    Bool,

    /// <summary>One register, two's complement.</summary>
    Int16,

    /// <summary>One register, unsigned.</summary>
    UInt16,

    /// <summary>Two registers, two's complement.</summary>
    Int32,

    /// <summary>Two registers, unsigned.</summary>
    UInt32,

    /// <summary>Two registers, IEEE 754 binary32.</summary>
    Float32,
}
