using System.Net;

namespace TwinGuard.Intel.Correlation;

/// <summary>A client connected to one of TwinGuard's ingest endpoints (MQTT CONNECT, a Modbus TCP session).</summary>
/// <param name="Time">When it connected.</param>
/// <param name="Protocol"><c>mqtt</c> or <c>modbus</c>.</param>
/// <param name="ClientId">The client id it presented (MQTT CONNECT client identifier).</param>
/// <param name="DeviceId">The device identity it authenticated as, if any.</param>
/// <param name="RemoteAddress">The address it connected from.</param>
public sealed record ConnectionEvent(DateTimeOffset Time, string Protocol, string ClientId, string? DeviceId, IPAddress RemoteAddress)
{
    /// <summary>The asset the device feeds, if known.</summary>
    public string? AssetId { get; init; }
}
