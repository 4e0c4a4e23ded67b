using System.Net;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>A client's attempt to connect to the embedded broker.</summary>
/// <param name="UserName">The user name it presented.</param>
/// <param name="ClientId">Its MQTT client id (may be empty).</param>
/// <param name="RemoteAddress">Where it connects from, when known.</param>
/// <param name="Device">The device it authenticated as, or null when it was refused.</param>
public sealed record ConnectionAttempt(string? UserName, string ClientId, IPAddress? RemoteAddress, DeviceModel? Device);
