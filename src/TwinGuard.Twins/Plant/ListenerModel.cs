using System.Net;

namespace TwinGuard.Twins.Plant;

/// <summary>One socket TwinGuard listens on: nothing listens where no listener says so.</summary>
/// <param name="Protocol">What it serves.</param>
/// <param name="Address">The local address it is bound to.</param>
/// <param name="Port">The TCP port (0: the operating system picks one, for tests).</param>
/// <param name="DualStack">
/// True for <c>address: any</c>: one IPv6 socket on <c>::</c> that also takes IPv4 (addresses arrive as
/// <c>::ffff:a.b.c.d</c>); false binds exactly <see cref="Address"/>, and an IPv6 socket then takes IPv6 only.
/// </param>
public sealed record ListenerModel(ListenerProtocol Protocol, IPAddress Address, int Port, bool DualStack = false)
{
    /// <summary>True for the protocols that need the <c>tls:</c> section's server certificate.</summary>
    public bool IsTls => Protocol is ListenerProtocol.Mqtts or ListenerProtocol.Https;

    /// <summary>True for MQTT (plain or TLS).</summary>
    public bool IsMqtt => Protocol is ListenerProtocol.Mqtt or ListenerProtocol.Mqtts;

    /// <summary>The endpoint to bind.</summary>
    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>The listeners of <c>address: loopback</c>: 127.0.0.1 and ::1, the default of every protocol.</summary>
    public static IReadOnlyList<ListenerModel> Loopback(ListenerProtocol protocol, int port) =>
        [new(protocol, IPAddress.Loopback, port), new(protocol, IPAddress.IPv6Loopback, port)];

    /// <inheritdoc />
    public override string ToString() =>
        $"{Protocol.ToString().ToLowerInvariant()} {(DualStack ? "any" : Address.ToString())} port {Port}";
}
