namespace TwinGuard.Intel.Correlation;

/// <summary>Which asset and device an address or connection belongs to, as far as known.</summary>
/// <param name="AssetId">The plant asset (a twin), if known.</param>
/// <param name="DeviceId">The device (an MQTT/Modbus source identity), if known.</param>
public sealed record AssetRef(string? AssetId, string? DeviceId);
