namespace TwinGuard.Twins.Respond;

/// <summary>How <c>block_address</c> is enforced.</summary>
/// <param name="Apply">False (the default): the dry-run enforcer records the nftables rule it would apply; true: nft applies it.</param>
/// <param name="Table">The nftables table TwinGuard owns (family <c>inet</c>); nothing outside it is touched.</param>
/// <param name="Namespace">Network namespace to apply the rules in (<c>ip netns exec</c>), when not the host's own.</param>
public sealed record NetworkEnforcement(bool Apply, string Table, string? Namespace)
{
    /// <summary>Dry run, table <c>twinguard</c>.</summary>
    public static NetworkEnforcement Default { get; } = new(false, "twinguard", null);

    /// <summary>Networks that are never blocked (where operators and management systems reach TwinGuard from).</summary>
    public IReadOnlyList<System.Net.IPNetwork> ManagementNetworks { get; init; } = [];

    /// <summary>The shortest IPv4 prefix a block may have.</summary>
    /// <value>24.</value>
    public int MinPrefixV4 { get; init; } = 24;

    /// <summary>The shortest IPv6 prefix a block may have.</summary>
    /// <value>48.</value>
    public int MinPrefixV6 { get; init; } = 48;
}
