namespace TwinGuard.Ingest.Modbus;

/// <summary>Exception codes a server answers with (Modbus Application Protocol v1.1b3 §7).</summary>
public enum ModbusExceptionCode : byte
{
    /// <summary>01: the function code is not an allowable action for the server (or not in its current state).</summary>
    IllegalFunction = 0x01,

    /// <summary>02: the data address is not an allowable address for the server.</summary>
    IllegalDataAddress = 0x02,

    /// <summary>03: a value in the query data field is not allowable (including a malformed request's lengths).</summary>
    IllegalDataValue = 0x03,

    /// <summary>04: an unrecoverable error occurred while the server attempted the action.</summary>
    ServerDeviceFailure = 0x04,

    /// <summary>05: accepted, the action takes long; poll for completion.</summary>
    Acknowledge = 0x05,

    /// <summary>06: the server is busy with a long-duration command.</summary>
    ServerDeviceBusy = 0x06,

    /// <summary>08: memory parity error in a file record.</summary>
    MemoryParityError = 0x08,

    /// <summary>0A: a gateway could not allocate a path to the target.</summary>
    GatewayPathUnavailable = 0x0A,

    /// <summary>0B: a gateway got no response from the target device.</summary>
    GatewayTargetFailedToRespond = 0x0B,
}
