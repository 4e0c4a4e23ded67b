using TwinGuard.Intel.Formats;

namespace TwinGuard.Intel.Tests.Formats;

public sealed class FeedParserTests
{
    [Fact]
    public void Parse_DirectoryOfMixedFiles_ReadsEachByItsFormatAndReportsTheBadOne()
    {
        var snapshot = MispFeedReaderTests.Snapshot(
            ("bundle.json", StixBundleReaderTests.Bundle),
            ("event.json", MispFeedReaderTests.Event),
            ("list.csv", "ip,192.0.2.77\n"),
            ("junk.json", "{\"hello\": 1}"),
            ("broken.json", "{\"type\": \"bundle\", "));

        var content = FeedParser.Parse("mixed", snapshot);

        Assert.Contains(content.Indicators, i => i.Value == "scan.evil.example");
        Assert.Contains(content.Indicators, i => i.Value == "c2.evil.example");
        Assert.Contains(content.Indicators, i => i.Value == "192.0.2.77");
        Assert.Contains(content.Issues, i => i.File == "junk.json");
        Assert.Contains(content.Issues, i => i.File == "broken.json" && i.Reason.StartsWith("not valid JSON", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"type\": \"bundle\"}", "stix")]
    [InlineData("{\"Event\": {}}", "misp")]
    [InlineData("{\"5c6a7c2e-0f4c-4b6a-9d3b-1b2e3f4a5b6c\": {}}", "misp-manifest")]
    [InlineData("type,value\n", "csv")]
    [InlineData("{\"x\": 1}", null)]
    public void Sniff_KnownShapes_AreRecognised(string content, string? format)
    {
        Assert.Equal(format, FeedParser.Sniff(System.Text.Encoding.UTF8.GetBytes(content)));
    }
}
