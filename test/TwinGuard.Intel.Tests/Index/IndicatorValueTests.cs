using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Tests.Index;

public sealed class IndicatorValueTests
{
    [Theory]
    [InlineData(IndicatorType.IPAddress, " 203.0.113.7 ", "203.0.113.7")]
    [InlineData(IndicatorType.IPAddress, "10.1.2.3/8", "10.0.0.0/8")]
    [InlineData(IndicatorType.IPAddress, "::ffff:198.51.100.1", "198.51.100.1")]
    [InlineData(IndicatorType.IPAddress, "2001:DB8::1/32", "2001:db8::/32")]
    [InlineData(IndicatorType.IPAddress, "198.51.100.9/32", "198.51.100.9")]
    [InlineData(IndicatorType.Domain, "Evil.Example.", "evil.example")]
    [InlineData(IndicatorType.Domain, "bücher.example", "xn--bcher-kva.example")]
    [InlineData(IndicatorType.Url, "HTTP://Evil.Example:80/a/./b/../c?x=%7e#frag", "http://evil.example/a/c?x=~")]
    [InlineData(IndicatorType.Url, "evil.example", "http://evil.example/")]
    [InlineData(IndicatorType.Url, "https://evil.example:8443/p%2fq", "https://evil.example:8443/p%2Fq")]
    [InlineData(IndicatorType.Sha256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public void TryNormalize_ValidValue_ReturnsCanonicalForm(IndicatorType type, string raw, string expected)
    {
        Assert.True(IndicatorValue.TryNormalize(type, raw, out var value, out var error), error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData(IndicatorType.IPAddress, "1.2.3", "not an IP address")]
    [InlineData(IndicatorType.IPAddress, "10.0.0.0/33", "prefix length")]
    [InlineData(IndicatorType.IPAddress, "evil.example", "not an IP address")]
    [InlineData(IndicatorType.Domain, "bad..example", "label")]
    [InlineData(IndicatorType.Domain, "-bad.example", "label")]
    [InlineData(IndicatorType.Md5, "abc", "MD5")]
    [InlineData(IndicatorType.Sha1, "zz23456789012345678901234567890123456789", "SHA-1")]
    [InlineData(IndicatorType.Url, "http://", "URL")]
    [InlineData(IndicatorType.Hostname, "", "empty")]
    public void TryNormalize_InvalidValue_SaysWhy(IndicatorType type, string raw, string reason)
    {
        Assert.False(IndicatorValue.TryNormalize(type, raw, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
