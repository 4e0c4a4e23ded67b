using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// Which addresses containment may block: never loopback, this host's own addresses, the configured management
/// networks, nor a prefix shorter than the configured minimum.
/// </summary>
/// <remarks>
/// A block of <c>0.0.0.0/0</c>, <c>::/0</c>, <c>127.0.0.1</c> or the operators' network cuts TwinGuard (and whoever would
/// release the block) off the plant: a playbook, an intel feed or a mistyped quarantine must not be able to do that.
/// </remarks>
public sealed class ContainmentTargets
{
    private static readonly IPNetwork[] Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
    private readonly NetworkEnforcement _settings;
    private readonly IReadOnlyList<IPAddress> _own;

    /// <summary>Applies <paramref name="settings"/>, protecting <paramref name="ownAddresses"/> (this host's, when null).</summary>
    public ContainmentTargets(NetworkEnforcement settings, IEnumerable<IPAddress>? ownAddresses = null)
    {
        _settings = settings;
        _own = (ownAddresses ?? HostAddresses()).Select(Normal).ToArray();
    }

    /// <summary>Why <paramref name="target"/> (an address or network, as <see cref="NftRules.Normalize"/> reads it) must not be blocked; null when it may.</summary>
    public string? Refusal(string target)
    {
        var text = NftRules.Normalize(target).Text;
        var network = text.Contains('/', StringComparison.Ordinal) ? IPNetwork.Parse(text) : new IPNetwork(IPAddress.Parse(text), IPAddress.Parse(text).AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        var v4 = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork;
        var minimum = v4 ? _settings.MinPrefixV4 : _settings.MinPrefixV6;
        if (network.PrefixLength < minimum)
        {
            return $"'{text}' is a /{network.PrefixLength}: blocks wider than /{minimum} ({(v4 ? "IPv4" : "IPv6")}) would cut off whole networks";
        }

        // IPNetwork is a struct: FirstOrDefault would answer 0.0.0.0/0 for "none", hence the index.
        if (Array.FindIndex(Loopback, l => Overlaps(l, network)) is var loopback and >= 0)
        {
            return $"'{text}' is loopback ({Loopback[loopback]}): blocking it cuts TwinGuard off from itself";
        }

        if (_own.FirstOrDefault(network.Contains) is { } own)
        {
            return $"'{text}' contains {own}, an address of this host";
        }

        foreach (var management in _settings.ManagementNetworks)
        {
            if (Overlaps(management, network))
            {
                return $"'{text}' overlaps the management network {management}";
            }
        }

        return null;
    }

    private static bool Overlaps(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static IEnumerable<IPAddress> HostAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(static i => i.GetIPProperties().UnicastAddresses)
                .Select(static u => u.Address)
                .Where(static a => !a.IsIPv6LinkLocal)
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
