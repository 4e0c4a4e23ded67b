namespace TwinGuard.Twins.Plant;

/// <summary>The <c>opcua:</c> section of the plant model: the OPC UA servers subscribed to (docs/opcua.md).</summary>
/// <param name="Devices">The servers, in file order.</param>
public sealed record OpcUaSettings(IReadOnlyList<OpcUaDeviceModel> Devices)
{
    /// <summary>No OPC UA servers: the section is absent.</summary>
    public static OpcUaSettings None { get; } = new([]);
}
