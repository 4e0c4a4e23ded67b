using System.Text;
using TwinGuard.Intel.Formats.Csv;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Tests.Formats;

public sealed class CsvIndicatorReaderTests
{
    private static FeedContent Read(string csv) => CsvIndicatorReader.Read("csv", "list.csv", Encoding.UTF8.GetBytes(csv));

    [Fact]
    public void Read_HeaderInAnyOrder_ReadsNamedColumns()
    {
        var content = Read("""
            value,type,confidence,targets,comment,valid_until
            # a comment line
            203.0.113.7,ip,80,kind:plc;tag:line-3,"seen scanning, port 502",2027-01-01T00:00:00Z

            evil.example,domain,0.5,,,
            """);

        Assert.Empty(content.Issues);
        Assert.Equal(2, content.Indicators.Count);
        var ip = content.Indicators[0];
        Assert.Equal(IndicatorType.IPAddress, ip.Type);
        Assert.Equal(0.8, ip.Confidence, 6);
        Assert.Equal(["kind:plc", "tag:line-3"], ip.Targets);
        Assert.Equal("seen scanning, port 502", ip.Description);
        Assert.Equal("line 3", ip.SourceId);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), ip.ValidUntil);
        Assert.Equal(0.5, content.Indicators[1].Confidence, 6);
    }

    [Fact]
    public void Read_TooBroadOrLoopbackAddresses_AreDroppedAndCounted()
    {
        var content = Read("ip,0.0.0.0/0\nip,::/0\nip,127.0.0.1\nip,10.0.0.0/8\nip,2001:db8::/32\nip,203.0.113.7\nip,198.51.100.0/24\n");

        Assert.Equal(["203.0.113.7", "198.51.100.0/24"], content.Indicators.Select(i => i.Value));
        Assert.Equal(5, content.Ignored);
        Assert.Equal(5, content.Issues.Count(i => i.Reason.StartsWith("dropped '", StringComparison.Ordinal)));
        Assert.Contains(content.Issues, i => i.Reason == "dropped '127.0.0.1': loopback or unspecified: it would match this host");
    }

    [Fact]
    public void Read_NoHeader_UsesDefaultColumnOrder()
    {
        var content = Read("sha256,E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,1790000000\nurl,\"http://evil.example/a,b\"\n");

        Assert.Empty(content.Issues);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1790000000), content.Indicators[0].FirstSeen);
        Assert.Equal("http://evil.example/a,b", content.Indicators[1].Value);
    }

    [Fact]
    public void Read_MalformedRows_ReportsLineFieldAndKeepsGoodRows()
    {
        var content = Read("""
            type,value,last_seen,confidence
            ip,203.0.113.300,,
            ipx,203.0.113.3,,
            domain,,,
            ip,203.0.113.4,last tuesday,
            ip,203.0.113.5,,150
            ip,"203.0.113.6"x,,
            ip,203.0.113.7,,,extra
            ip,203.0.113.8,,
            """);

        Assert.Equal("203.0.113.8", Assert.Single(content.Indicators).Value);
        Assert.Equal(
        [
            "line 2 value", "line 3 type", "line 4 value", "line 5 last_seen", "line 6 confidence", "line 7 ", "line 8 ",
        ], content.Issues.Select(i => $"{i.ObjectId} {i.Field}"));
    }

    [Fact]
    public void Read_QuotedFieldAcrossLines_IsOneRecord()
    {
        var content = Read("type,value,comment\nip,192.0.2.1,\"two\nlines\"\nip,192.0.2.2,\n");

        Assert.Equal(["192.0.2.1", "192.0.2.2"], content.Indicators.Select(i => i.Value));
        Assert.Equal("two\nlines", content.Indicators[0].Description);
    }

    [Fact]
    public void Read_NotUtf8_ReportsFile()
    {
        var content = CsvIndicatorReader.Read("csv", "list.csv", [0x69, 0x70, 0x2c, 0xff, 0xfe]);

        Assert.Contains("not UTF-8", Assert.Single(content.Issues).Reason, StringComparison.Ordinal);
    }
}
