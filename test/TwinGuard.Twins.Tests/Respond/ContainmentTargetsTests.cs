using System.Net;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

public sealed class ContainmentTargetsTests
{
    private static readonly ContainmentTargets Targets = new(
        NetworkEnforcement.Default with { ManagementNetworks = [IPNetwork.Parse("10.20.0.0/16")] },
        [IPAddress.Parse("192.0.2.10"), IPAddress.Parse("2001:db8::10")]);

    [Theory]
    [InlineData("0.0.0.0/0", "is a /0")]
    [InlineData("::/0", "is a /0")]
    [InlineData("198.51.100.0/23", "wider than /24")]
    [InlineData("2001:db8:1::/47", "wider than /48")]
    [InlineData("127.0.0.1", "is loopback")]
    [InlineData("127.0.0.1:51234", "is loopback")]
    [InlineData("::1", "is loopback")]
    [InlineData("::ffff:127.0.0.1", "is loopback")]
    [InlineData("192.0.2.10", "an address of this host")]
    [InlineData("192.0.2.0/24", "contains 192.0.2.10")]
    [InlineData("2001:db8::/48", "contains 2001:db8::10")]
    [InlineData("10.20.3.4", "overlaps the management network 10.20.0.0/16")]
    public void Refusal_UnsafeTarget_SaysWhy(string target, string expected)
    {
        Assert.Contains(expected, Targets.Refusal(target), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("198.51.100.23")]
    [InlineData("198.51.100.0/24")]
    [InlineData("2001:db8:5::/48")]
    [InlineData("10.21.0.1")]
    public void Refusal_OrdinaryTarget_IsNull(string target)
    {
        Assert.Null(Targets.Refusal(target));
    }
}
