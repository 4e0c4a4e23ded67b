using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Intel.Index;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Tests.Index;

public sealed class IocIndexTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static Indicator Ioc(IndicatorType type, string value, double confidence = 1.0, string feed = "f")
    {
        Assert.True(IndicatorValue.TryNormalize(type, value, out var canonical, out var error), error);
        return new Indicator(type, canonical, feed, value) { LastSeen = Now, Confidence = confidence };
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7", MatchKind.Exact)]
    [InlineData("10.0.0.0/8", "10.200.3.4", MatchKind.Network)]
    [InlineData("2001:db8::/32", "2001:db8:1::42", MatchKind.Network)]
    [InlineData("2001:db8::1", "2001:db8::1", MatchKind.Exact)]
    [InlineData("198.51.100.0/24", "::ffff:198.51.100.77", MatchKind.Network)]
    [InlineData("0.0.0.0/0", "192.0.2.1", MatchKind.Network)]
    public void Match_AddressNamedByFeed_Matches(string indicator, string address, MatchKind kind)
    {
        var index = IocIndex.Build([Ioc(IndicatorType.IPAddress, indicator)]);

        var match = index.Match(IPAddress.Parse(address), Now);

        Assert.NotNull(match);
        Assert.Equal(kind, match.Kind);
        Assert.Equal(1.0, match.Weight, 6);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "11.0.0.1")]
    [InlineData("203.0.113.7", "203.0.113.8")]
    [InlineData("2001:db8::/32", "2001:db9::1")]
    [InlineData("198.51.100.0/24", "::198.51.100.1")]
    public void Match_AddressOutsideEveryIndicator_ReturnsNull(string indicator, string address)
    {
        var index = IocIndex.Build([Ioc(IndicatorType.IPAddress, indicator)]);

        Assert.Null(index.Match(IPAddress.Parse(address), Now));
    }

    [Fact]
    public void MatchAll_NestedNetworks_ReturnsEveryCoveringIndicatorHeaviestFirst()
    {
        var index = IocIndex.Build(
        [
            Ioc(IndicatorType.IPAddress, "10.0.0.0/8", 0.3),
            Ioc(IndicatorType.IPAddress, "10.1.0.0/16", 0.9),
            Ioc(IndicatorType.IPAddress, "10.1.2.3", 0.6),
            Ioc(IndicatorType.IPAddress, "10.2.0.0/16", 1.0),
        ]);

        var matches = index.MatchAll(IPAddress.Parse("10.1.2.3"), Now);

        Assert.Equal(["10.1.0.0/16", "10.1.2.3", "10.0.0.0/8"], matches.Select(m => m.Indicator.Value));
        Assert.Equal("10.1.0.0/16", index.Match(IPAddress.Parse("10.1.2.3"), Now)!.Indicator.Value);
    }

    [Theory]
    [InlineData("evil.example", "evil.example", MatchKind.Exact)]
    [InlineData("evil.example", "c2.Evil.Example.", MatchKind.Subdomain)]
    [InlineData("evil.example", "a.b.c.evil.example", MatchKind.Subdomain)]
    public void MatchHost_NameAtOrBelowDomain_Matches(string domain, string host, MatchKind kind)
    {
        var index = IocIndex.Build([Ioc(IndicatorType.Domain, domain)]);

        Assert.Equal(kind, index.MatchHost(host, Now)?.Kind);
    }

    [Theory]
    [InlineData("notevil.example")]
    [InlineData("evil.example.org")]
    [InlineData("example")]
    public void MatchHost_NameNotBelowDomain_ReturnsNull(string host)
    {
        var index = IocIndex.Build([Ioc(IndicatorType.Domain, "evil.example")]);

        Assert.Null(index.MatchHost(host, Now));
    }

    [Fact]
    public void MatchHost_InternationalisedName_MatchesItsPunycodeForm()
    {
        var index = IocIndex.Build([Ioc(IndicatorType.Domain, "bücher.example")]);

        Assert.Equal(MatchKind.Subdomain, index.MatchHost("www.bücher.example", Now)?.Kind);
        Assert.NotNull(index.MatchHost("WWW.XN--BCHER-KVA.EXAMPLE", Now));
        Assert.Null(index.MatchHost(new string('a', 300) + ".example", Now));
    }

    [Fact]
    public void MatchHost_Hostname_MatchesOnlyThatName()
    {
        var index = IocIndex.Build([Ioc(IndicatorType.Hostname, "c2.evil.example")]);

        Assert.NotNull(index.MatchHost("C2.evil.example", Now));
        Assert.Null(index.MatchHost("x.c2.evil.example", Now));
        Assert.Null(index.MatchHost("evil.example", Now));
    }

    [Fact]
    public void MatchUrl_EquivalentSpelling_Matches()
    {
        var index = IocIndex.Build([Ioc(IndicatorType.Url, "http://evil.example/payload/stage2.bin")]);

        Assert.NotNull(index.MatchUrl("HTTP://EVIL.example:80/payload/./x/../stage2.bin#top", Now));
        Assert.NotNull(index.MatchUrl("http://user@evil.example/payload/stage2.bin", Now));
        Assert.NotNull(index.MatchUrl("evil.example./payload/stage2.bin", Now));
        Assert.Null(index.MatchUrl("http://other.example/payload/stage2.bin", Now));
        Assert.Null(index.MatchUrl("http://evil.example/payload/stage3.bin", Now));
    }

    [Fact]
    public void Match_String_RecognisesEachKind()
    {
        var sha = new string('a', 64);
        var index = IocIndex.Build(
        [
            Ioc(IndicatorType.IPAddress, "192.0.2.0/24"),
            Ioc(IndicatorType.Domain, "evil.example"),
            Ioc(IndicatorType.Sha256, sha),
            Ioc(IndicatorType.Md5, new string('b', 32)),
        ]);

        Assert.Equal(MatchKind.Network, index.Match("192.0.2.55", Now)?.Kind);
        Assert.Equal(IndicatorType.Domain, index.Match("www.evil.example", Now)?.Indicator.Type);
        Assert.Equal(IndicatorType.Sha256, index.Match(sha.ToUpperInvariant(), Now)?.Indicator.Type);
        Assert.Equal(IndicatorType.Md5, index.Match(new string('B', 32), Now)?.Indicator.Type);
        Assert.Equal(IndicatorType.Domain, index.Match("https://cdn.evil.example/x.js", Now)?.Indicator.Type);
        Assert.Null(index.Match("good.example", Now));
    }

    [Fact]
    public void Match_AfterValidUntil_ReturnsNull()
    {
        var indicator = Ioc(IndicatorType.IPAddress, "203.0.113.7") with
        {
            ValidFrom = Now.AddDays(-1),
            ValidUntil = Now.AddHours(1),
        };
        var index = IocIndex.Build([indicator]);

        Assert.NotNull(index.Match(IPAddress.Parse("203.0.113.7"), Now));
        Assert.Null(index.Match(IPAddress.Parse("203.0.113.7"), Now.AddHours(1)));
        Assert.Null(index.Match(IPAddress.Parse("203.0.113.7"), Now.AddDays(-2)));
    }

    [Fact]
    public void Match_OneHalfLifeLater_HasHalfTheWeight()
    {
        var options = new IocIndexOptions { HalfLife = TimeSpan.FromDays(10), MinimumWeight = 0.1 };
        var index = IocIndex.Build([Ioc(IndicatorType.IPAddress, "203.0.113.7", 0.8)], options);
        var address = IPAddress.Parse("203.0.113.7");

        Assert.Equal(0.8, index.Match(address, Now)!.Weight, 6);
        Assert.Equal(0.4, index.Match(address, Now.AddDays(10))!.Weight, 6);
        Assert.Equal(0.2, index.Match(address, Now.AddDays(20))!.Weight, 6);
        Assert.Equal(0.1, index.Match(address, Now.AddDays(30))!.Weight, 6); // at the floor: still matches
        Assert.Null(index.Match(address, Now.AddDays(31))); // below it: decayed away
    }

    [Fact]
    public void Match_DefaultHalfLives_DependOnKind()
    {
        var index = IocIndex.Build(
        [
            Ioc(IndicatorType.IPAddress, "203.0.113.7"),
            Ioc(IndicatorType.Domain, "evil.example"),
            Ioc(IndicatorType.Sha256, new string('a', 64)),
        ]);
        var later = Now.AddDays(90);

        Assert.Equal(0.125, index.Match(IPAddress.Parse("203.0.113.7"), later)!.Weight, 6);
        Assert.Equal(0.5, index.MatchHost("evil.example", later)!.Weight, 6);
        Assert.Equal(1.0, index.MatchHash(new string('a', 64), Now.AddYears(10))!.Weight, 6);
    }

    [Fact]
    public void RecordSighting_SeenAgain_RestoresWeightAndSurvivesRebuild()
    {
        var time = new FakeTimeProvider(Now.AddDays(20));
        var options = new IocIndexOptions { HalfLife = TimeSpan.FromDays(10), TimeProvider = time };
        var indicator = Ioc(IndicatorType.IPAddress, "203.0.113.7");
        var index = IocIndex.Build([indicator], options);
        var address = IPAddress.Parse("203.0.113.7");
        Assert.Equal(0.25, index.Match(address)!.Weight, 6);

        index.RecordSighting(indicator.Atom, time.GetUtcNow());

        Assert.Equal(1.0, index.Match(address)!.Weight, 6);
        var rebuilt = IocIndex.Build([indicator], options, index);
        Assert.Equal(1.0, rebuilt.Match(address)!.Weight, 6);
    }

    [Fact]
    public void Match_SameValueFromTwoFeeds_ReturnsTheHeavier()
    {
        var index = IocIndex.Build(
        [
            Ioc(IndicatorType.IPAddress, "203.0.113.7", 0.4, "weak"),
            Ioc(IndicatorType.IPAddress, "203.0.113.7", 0.9, "strong"),
        ]);

        Assert.Equal("strong", index.Match(IPAddress.Parse("203.0.113.7"), Now)!.Indicator.FeedId);
        Assert.Equal(2, index.Count);
    }

    [Property(MaxTest = 200)]
    public Property Match_RandomNetworks_AgreesWithNaiveScan(uint[] networks, byte[] prefixes, uint probe)
    {
        var indicators = networks.Zip(prefixes, (n, p) => (Network: n, Prefix: p % 33))
            .Select(x => Ioc(IndicatorType.IPAddress, $"{new IPAddress(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(x.Network))}/{x.Prefix}"))
            .ToList();
        var index = IocIndex.Build(indicators);
        var address = new IPAddress(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(probe));

        var expected = indicators.Any(i => Covers(i.Value, probe));
        return (index.Match(address, Now) is not null == expected).ToProperty();
    }

    private static bool Covers(string cidr, uint probe)
    {
        var parts = cidr.Split('/');
        var prefix = parts.Length == 1 ? 32 : int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var network = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(parts[0]).GetAddressBytes());
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        return (probe & mask) == (network & mask);
    }
}
