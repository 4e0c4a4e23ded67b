using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Twins.Respond;

/// <summary>The nftables commands TwinGuard uses: one table of its own, two sets of blocked addresses, drop on input and forward.</summary>
/// <remarks>
/// nft(8) syntax. Sets with <c>flags interval</c> take both addresses and prefixes; <c>add element</c> of an element
/// already present is not an error, so blocking is idempotent. Nothing outside TwinGuard's table is touched.
/// </remarks>
public static class NftRules
{
    /// <summary>A script that (re)creates the table atomically (nft applies a file as one transaction) with these addresses blocked.</summary>
    public static string Table(string table, IReadOnlyCollection<string> blocked)
    {
        var v4 = blocked.Select(Normalize).Where(a => !a.IsV6).Select(a => a.Text).ToList();
        var v6 = blocked.Select(Normalize).Where(a => a.IsV6).Select(a => a.Text).ToList();
        return $$"""
            add table inet {{table}}
            delete table inet {{table}}
            table inet {{table}} {
              set blocked_v4 { type ipv4_addr; flags interval; {{Elements(v4)}}}
              set blocked_v6 { type ipv6_addr; flags interval; {{Elements(v6)}}}
              chain input { type filter hook input priority -10; policy accept; ip saddr @blocked_v4 drop; ip6 saddr @blocked_v6 drop; }
              chain forward { type filter hook forward priority -10; policy accept; ip saddr @blocked_v4 drop; ip6 saddr @blocked_v6 drop; }
            }

            """;
    }

    /// <summary>The command that blocks one address or network.</summary>
    public static string Block(string table, string address)
    {
        var a = Normalize(address);
        return $"add element inet {table} {(a.IsV6 ? "blocked_v6" : "blocked_v4")} {{ {a.Text} }}";
    }

    /// <summary>The command that lifts a block.</summary>
    public static string Unblock(string table, string address)
    {
        var a = Normalize(address);
        return $"delete element inet {table} {(a.IsV6 ? "blocked_v6" : "blocked_v4")} {{ {a.Text} }}";
    }

    /// <summary>An address (<c>10.0.0.5</c>, <c>[::1]:1883</c>, <c>10.0.0.5:51234</c>) or network (<c>10.0.0.0/24</c>) in nft's form.</summary>
    /// <exception cref="FormatException">It is neither.</exception>
    public static (string Text, bool IsV6) Normalize(string address)
    {
        if (IPNetwork.TryParse(address, out var network) && address.Contains('/', StringComparison.Ordinal))
        {
            return (network.ToString(), network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6);
        }

        if (IPAddress.TryParse(address, out var ip) || (IPEndPoint.TryParse(address, out var endpoint) && (ip = endpoint.Address) is not null))
        {
            if (ip.IsIPv4MappedToIPv6)
            {
                ip = ip.MapToIPv4();
            }

            return (ip.ToString(), ip.AddressFamily == AddressFamily.InterNetworkV6);
        }

        throw new FormatException($"'{address}' is not an IP address or network");
    }

    private static string Elements(List<string> items) => items.Count == 0 ? string.Empty : $"elements = {{ {string.Join(", ", items)} }}; ";
}
