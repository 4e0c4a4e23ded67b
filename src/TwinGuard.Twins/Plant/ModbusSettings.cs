namespace TwinGuard.Twins.Plant;

/// <summary>The <c>modbus:</c> section of the plant model: the Modbus devices polled and guarded (docs/modbus.md).</summary>
/// <param name="Devices">The devices, in file order.</param>
public sealed record ModbusSettings(IReadOnlyList<ModbusDeviceModel> Devices)
{
    /// <summary>No Modbus devices: the section is absent.</summary>
    public static ModbusSettings None { get; } = new([]);

    /// <summary>Every guard client of every device.</summary>
    public IEnumerable<ModbusClientModel> Clients => Devices.SelectMany(d => d.Guard?.Clients ?? []);
}
