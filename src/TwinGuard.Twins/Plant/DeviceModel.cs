namespace TwinGuard.Twins.Plant;

/// <summary>A source of readings (PLC, gateway, sensor node): its identity, credential and what it may publish.</summary>
/// <param name="Id">The device's identity; also its MQTT user name.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="PasswordHash">Salted hash in <see cref="PasswordHash"/> format.</param>
/// <param name="Topics">MQTT topic filters (with <c>+</c> and <c>#</c>) the device may publish to.</param>
public sealed record DeviceModel(string Id, string Name, PasswordHash PasswordHash, IReadOnlyList<string> Topics);
