using System.Net;

namespace TwinGuard.Intel.Network;

/// <summary>One event from a network sensor, reduced to what correlation needs.</summary>
/// <param name="Time">When it happened (the sensor's timestamp).</param>
/// <param name="Sensor"><c>suricata</c> or <c>zeek</c>.</param>
/// <param name="Kind">Alert, flow or connection.</param>
/// <param name="SourceAddress">The originator's address.</param>
/// <param name="SourcePort">The originator's port, if the protocol has ports.</param>
/// <param name="DestinationAddress">The responder's address.</param>
/// <param name="DestinationPort">The responder's port, if the protocol has ports.</param>
/// <param name="Protocol">Transport protocol as the sensor wrote it, lower case (<c>tcp</c>, <c>udp</c>, <c>icmp</c>).</param>
public sealed record NetworkEvent(
    DateTimeOffset Time,
    string Sensor,
    NetworkEventKind Kind,
    IPAddress SourceAddress,
    int? SourcePort,
    IPAddress DestinationAddress,
    int? DestinationPort,
    string Protocol)
{
    /// <summary><c>address:port</c> (<c>[v6]:port</c>), or the address alone when the protocol has no ports.</summary>
    public static string Endpoint(IPAddress address, int? port)
    {
        ArgumentNullException.ThrowIfNull(address);
        return port is null ? address.ToString() : new IPEndPoint(address, port.Value).ToString();
    }

    /// <summary>The alert's signature text (alerts only).</summary>
    public string? Signature { get; init; }

    /// <summary>The alert's signature id (alerts only).</summary>
    public long? SignatureId { get; init; }

    /// <summary>The alert's severity, 1 (highest) to 3 or 4 (alerts only).</summary>
    public int? Severity { get; init; }

    /// <summary>The application protocol the sensor recognised (Suricata <c>app_proto</c>, Zeek <c>service</c>).</summary>
    public string? Service { get; init; }

    /// <summary>The sensor's flow or connection id (Suricata <c>flow_id</c>, Zeek <c>uid</c>).</summary>
    public string? FlowId { get; init; }
}
