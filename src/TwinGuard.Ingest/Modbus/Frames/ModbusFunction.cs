namespace TwinGuard.Ingest.Modbus;

/// <summary>The public function codes TwinGuard speaks (Modbus Application Protocol v1.1b3 §5.1 and §6).</summary>
public enum ModbusFunction : byte
{
    /// <summary>§6.1 Read Coils.</summary>
    ReadCoils = 0x01,

    /// <summary>§6.2 Read Discrete Inputs.</summary>
    ReadDiscreteInputs = 0x02,

    /// <summary>§6.3 Read Holding Registers.</summary>
    ReadHoldingRegisters = 0x03,

    /// <summary>§6.4 Read Input Registers.</summary>
    ReadInputRegisters = 0x04,

    /// <summary>§6.5 Write Single Coil.</summary>
    WriteSingleCoil = 0x05,

    /// <summary>§6.6 Write Single Register.</summary>
    WriteSingleRegister = 0x06,

    /// <summary>§6.11 Write Multiple Coils.</summary>
    WriteMultipleCoils = 0x0F,

    /// <summary>§6.12 Write Multiple Registers.</summary>
    WriteMultipleRegisters = 0x10,

    /// <summary>§6.17 Read/Write Multiple Registers.</summary>
    ReadWriteMultipleRegisters = 0x17,
}
