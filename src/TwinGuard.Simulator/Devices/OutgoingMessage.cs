namespace TwinGuard.Simulator.Devices;

/// <summary>One MQTT message a (real or rogue) device sends.</summary>
/// <param name="DeviceId">The MQTT user name it is sent with.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Payload">The UTF-8 JSON reading (docs/readings.md).</param>
/// <param name="Seq">The <c>seq</c> member in the payload.</param>
/// <param name="AttackName">The attack that made or altered it, or null for a genuine reading.</param>
public sealed record OutgoingMessage(string DeviceId, string Topic, ReadOnlyMemory<byte> Payload, long Seq, string? AttackName);
