using System.Text;
using TwinGuard.Intel.Formats.Stix;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Tests.Formats;

public sealed class StixBundleReaderTests
{
    /// <summary>A bundle shaped like the STIX 2.1 specification's indicator examples (§4.7, §8).</summary>
    internal const string Bundle = """
        {
          "type": "bundle",
          "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
          "objects": [
            {
              "type": "indicator", "spec_version": "2.1",
              "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
              "created": "2026-10-01T12:00:00.000Z", "modified": "2026-10-02T12:00:00.000Z",
              "name": "Modbus scanner infrastructure",
              "indicator_types": ["malicious-activity"],
              "pattern": "[ipv4-addr:value = '203.0.113.50' OR ipv4-addr:value = '198.51.100.0/25'] OR [domain-name:value = 'scan.evil.example']",
              "pattern_type": "stix", "pattern_version": "2.1",
              "valid_from": "2026-10-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z",
              "confidence": 85, "labels": ["ics"], "x_twinguard_targets": ["kind:plc", "tag:line-3"]
            },
            {
              "type": "indicator", "spec_version": "2.1",
              "id": "indicator--1f2e3d4c-5b6a-4789-8abc-def012345678",
              "created": "2026-10-01T12:00:00.000Z", "modified": "2026-10-01T12:00:00.000Z",
              "pattern": "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'] AND [url:value = 'http://evil.example/x']",
              "pattern_type": "stix", "valid_from": "2026-10-01T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1",
              "id": "indicator--2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
              "pattern": "alert tcp any any -> any 502 (msg:\"modbus\";)", "pattern_type": "snort",
              "valid_from": "2026-10-01T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1", "revoked": true,
              "id": "indicator--3b4c5d6e-7f8a-4b9c-8d1e-2f3a4b5c6d7e",
              "pattern": "[ipv4-addr:value = '192.0.2.200']", "pattern_type": "stix", "valid_from": "2026-10-01T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1",
              "id": "indicator--4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e8f",
              "pattern": "[ipv4-addr:value = '192.0.2.1'", "pattern_type": "stix", "valid_from": "2026-10-01T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1",
              "id": "indicator--5d6e7f8a-9b0c-4d1e-8f2a-4b5c6d7e8f9a",
              "pattern": "[ipv4-addr:value = '192.0.2.2']", "pattern_type": "stix"
            },
            {
              "type": "indicator", "spec_version": "2.1",
              "id": "indicator--6e7f8a9b-0c1d-4e2f-9a3b-5c6d7e8f9a0b",
              "pattern": "[ipv4-addr:value = '192.0.2.3']", "pattern_type": "stix",
              "valid_from": "2026-10-01T00:00:00Z", "valid_until": "2026-09-01T00:00:00Z"
            },
            {
              "type": "indicator", "id": "not-an-id", "pattern": "[ipv4-addr:value = '192.0.2.4']", "valid_from": "2026-10-01T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1",
              "id": "indicator--7f8a9b0c-1d2e-4f3a-8b4c-6d7e8f9a0b1c",
              "pattern": "[ipv4-addr:value = '192.0.2.999']", "pattern_type": "stix", "valid_from": "2026-10-01T00:00:00Z"
            },
            { "type": "malware", "id": "malware--0c1d2e3f-4a5b-4c6d-8e7f-8a9b0c1d2e3f", "name": "x", "is_family": false }
          ]
        }
        """;

    private static FeedContent Read() => StixBundleReader.Read("stix", "bundle.json", Encoding.UTF8.GetBytes(Bundle));

    [Fact]
    public void Read_IndicatorFromSpec_ReadsEveryValueWithValidity()
    {
        var content = Read();

        var first = content.Indicators.Where(i => i.SourceId == "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").ToList();
        Assert.Equal(["203.0.113.50", "198.51.100.0/25", "scan.evil.example"], first.Select(i => i.Value));
        Assert.All(first, i =>
        {
            Assert.Equal(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), i.ValidFrom);
            Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), i.ValidUntil);
            Assert.Equal(0.85, i.Confidence, 6);
            Assert.Equal(["kind:plc", "tag:line-3"], i.Targets);
            Assert.True(i.IsComplete);
        });
    }

    [Fact]
    public void Read_AndAcrossObservations_IndexesBothAsIncomplete()
    {
        var content = Read();

        var compound = content.Indicators.Where(i => i.SourceId == "indicator--1f2e3d4c-5b6a-4789-8abc-def012345678").ToList();
        Assert.Equal([IndicatorType.Sha256, IndicatorType.Url], compound.Select(i => i.Type));
        Assert.All(compound, i => Assert.False(i.IsComplete));
        Assert.Equal("url:value = 'http://evil.example/x'", compound[0].AlsoRequires.Single());
    }

    [Fact]
    public void Read_MalformedIndicators_ReportsIdFieldAndReason()
    {
        var issues = Read().Issues.ToDictionary(i => i.ObjectId!, i => i);

        Assert.Contains("expected ']'", issues["indicator--4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e8f"].Reason, StringComparison.Ordinal);
        Assert.Equal("pattern", issues["indicator--4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e8f"].Field);
        Assert.Equal("valid_from", issues["indicator--5d6e7f8a-9b0c-4d1e-8f2a-4b5c6d7e8f9a"].Field);
        Assert.Equal("valid_until", issues["indicator--6e7f8a9b-0c1d-4e2f-9a3b-5c6d7e8f9a0b"].Field);
        Assert.Equal("id", issues["not-an-id"].Field);
        Assert.Contains("192.0.2.999", issues["indicator--7f8a9b0c-1d2e-4f3a-8b4c-6d7e8f9a0b1c"].Reason, StringComparison.Ordinal);
        Assert.Equal(5, issues.Count);
        Assert.All(issues.Values, i => Assert.Equal("bundle.json", i.File));
    }

    [Fact]
    public void Read_SnortAndRevoked_AreIgnoredNotErrors()
    {
        var content = Read();

        Assert.Equal(2, content.Ignored);
        Assert.DoesNotContain(content.Indicators, i => i.Value == "192.0.2.200");
    }

    [Theory]
    [InlineData("{\"type\": \"report\"}", "not a STIX bundle")]
    [InlineData("{\"type\": \"bundle\", \"objects\": {}}", "not an array")]
    [InlineData("{\"type\": \"bundle\", \"objects\": [", "not valid JSON")]
    public void Read_NotABundle_ReportsFile(string json, string reason)
    {
        var content = StixBundleReader.Read("s", "x.json", Encoding.UTF8.GetBytes(json));

        Assert.Contains(reason, Assert.Single(content.Issues).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InvalidUtf8InsideAString_ReportedAsNotUtf8()
    {
        // Found by bench/fuzz.sh (test/TwinGuard.Fuzz/regressions/stix-bundle): the bad byte inside "bund\x86e" passed
        // JsonDocument.Parse and threw InvalidOperationException from GetString, out of the reader.
        byte[] bundle = [.. "{\"type\":\"bund"u8, 0x86, .. "e\",\"objects\":[]}"u8];

        var content = StixBundleReader.Read("s", "x.json", bundle);

        Assert.Contains("not valid UTF-8", Assert.Single(content.Issues).Reason, StringComparison.Ordinal);
    }
}
