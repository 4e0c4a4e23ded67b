using System.Net;

namespace TwinGuard.Twins.Gate;

/// <summary>A client's attempt to connect through any transport: a network event for threat intelligence.</summary>
/// <param name="Transport">The transport it came through (<c>mqtt</c>, <c>modbus</c>, ...).</param>
/// <param name="Identity">The name it presented (an MQTT user name), if any.</param>
/// <param name="ClientId">Its client id (an MQTT client id, or the transport's name for the client).</param>
/// <param name="RemoteAddress">Where it connects from, when known.</param>
/// <param name="DeviceId">The device or client of the plant model it was recognised as, or null when it is not one.</param>
public sealed record ConnectionAttempt(string Transport, string? Identity, string ClientId, IPAddress? RemoteAddress, string? DeviceId);
