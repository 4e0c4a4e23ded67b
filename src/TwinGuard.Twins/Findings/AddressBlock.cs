using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Twins.Findings;

/// <summary>The address block a remote address belongs to, for grouping what unauthenticated clients do.</summary>
/// <remarks>
/// An IPv4 /24 and an IPv6 /48 (a site's usual allocation, RFC 6177 §3): one attacker rarely holds more than one, and
/// an attacker spraying from a block becomes one incident instead of one per address or per made-up user name.
/// </remarks>
public static class AddressBlock
{
    /// <summary>The block of <paramref name="address"/>, as a network (<c>203.0.113.0/24</c>, <c>2001:db8:1::/48</c>).</summary>
    public static IPNetwork Of(IPAddress address)
    {
        var normal = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        var prefix = normal.AddressFamily == AddressFamily.InterNetwork ? 24 : 48;
        Span<byte> bytes = stackalloc byte[16];
        normal.TryWriteBytes(bytes, out var written);
        bytes = bytes[..written];
        bytes[(prefix / 8)..].Clear();
        return new IPNetwork(new IPAddress(bytes), prefix);
    }

    /// <summary>The address of an <c>address:port</c> endpoint as the transports write it, or null when it is not one.</summary>
    public static IPAddress? AddressOf(string? endpoint) =>
        endpoint is not null && IPEndPoint.TryParse(endpoint, out var parsed) ? parsed.Address : null;
}
