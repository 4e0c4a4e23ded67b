using System.Text;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Formats.Misp;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Tests.Formats;

public sealed class MispFeedReaderTests
{
    internal const string EventUuid = "5c6a7c2e-0f4c-4b6a-9d3b-1b2e3f4a5b6c";
    private const string BrokenUuid = "6d7b8d3f-1a5d-4c7b-8e4c-2c3f4a5b6c7d";
    private const string MissingUuid = "7e8c9e4a-2b6e-4d8c-9f5d-3d4a5b6c7d8e";

    /// <summary>An event as MISP's feed generator writes it (MISP core format §2.2-§2.4).</summary>
    internal const string Event = """
        {"Event": {
          "uuid": "5c6a7c2e-0f4c-4b6a-9d3b-1b2e3f4a5b6c",
          "info": "ICS intrusion set targeting PLCs",
          "date": "2026-10-01",
          "timestamp": "1790000000",
          "threat_level_id": "1",
          "analysis": "2",
          "Orgc": {"name": "CERT-X", "uuid": "11111111-2222-4333-8444-555555555555"},
          "Tag": [{"name": "tlp:green"}, {"name": "twinguard:target=\"kind:plc\""}],
          "Attribute": [
            {"uuid": "a0000000-0000-4000-8000-000000000001", "type": "ip-dst", "category": "Network activity",
             "value": "203.0.113.7", "to_ids": true, "timestamp": "1790000000",
             "first_seen": "2026-09-01T10:00:00.000000+00:00", "last_seen": "2026-09-30T10:00:00.123456+00:00"},
            {"uuid": "a0000000-0000-4000-8000-000000000002", "type": "ip-src|port", "value": "198.51.100.0/24|502", "to_ids": "1"},
            {"uuid": "a0000000-0000-4000-8000-000000000003", "type": "domain|ip", "value": "c2.evil.example|192.0.2.10", "to_ids": true},
            {"uuid": "a0000000-0000-4000-8000-000000000004", "type": "url", "value": "http://evil.example/stage2", "to_ids": true},
            {"uuid": "a0000000-0000-4000-8000-000000000005", "type": "filename|sha256",
             "value": "loader.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "to_ids": true},
            {"uuid": "a0000000-0000-4000-8000-000000000006", "type": "ip-dst", "value": "192.0.2.99", "to_ids": false},
            {"uuid": "a0000000-0000-4000-8000-000000000007", "type": "email-src", "value": "x@evil.example", "to_ids": true},
            {"uuid": "a0000000-0000-4000-8000-000000000008", "type": "ip-dst", "value": "not-an-ip", "to_ids": true},
            {"uuid": "a0000000-0000-4000-8000-000000000009", "type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e",
             "to_ids": true, "first_seen": "yesterday"},
            {"uuid": "a0000000-0000-4000-8000-00000000000a", "type": "hostname", "value": "plc-update.evil.example", "to_ids": true,
             "deleted": true}
          ],
          "Object": [
            {"name": "file", "uuid": "b0000000-0000-4000-8000-000000000001", "Attribute": [
              {"uuid": "b0000000-0000-4000-8000-000000000002", "type": "sha1", "value": "da39a3ee5e6b4b0d3255bfef95601890afd80709", "to_ids": true}
            ]}
          ]
        }}
        """;

    internal static FeedSnapshot Snapshot(params (string Name, string Content)[] files) =>
        new(files.Select(f => new FeedFile(f.Name, Encoding.UTF8.GetBytes(f.Content))).ToArray(), DateTimeOffset.UnixEpoch);

    private static string Manifest(params string[] uuids) =>
        "{" + string.Join(",", uuids.Select(u => $"\"{u}\": {{\"info\": \"x\", \"timestamp\": \"1790000000\"}}")) + "}";

    [Fact]
    public void Read_FeedFromSpec_ReadsEveryMatchableAttribute()
    {
        var content = MispFeedReader.Read("cert-x", Snapshot(("manifest.json", Manifest(EventUuid)), ($"{EventUuid}.json", Event)));

        var values = content.Indicators.Select(i => $"{i.Type}:{i.Value}").ToList();
        Assert.Equal(
        [
            "IPAddress:203.0.113.7", "IPAddress:198.51.100.0/24", "Domain:c2.evil.example", "IPAddress:192.0.2.10",
            "Url:http://evil.example/stage2", "Sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "Sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ], values);
        var first = content.Indicators[0];
        Assert.Equal(new DateTimeOffset(2026, 9, 1, 10, 0, 0, TimeSpan.Zero), first.FirstSeen);
        Assert.Equal(new DateTimeOffset(2026, 9, 30, 10, 0, 0, TimeSpan.Zero).AddTicks(1234560), first.LastSeen);
        Assert.Equal(1.0, first.Confidence);
        Assert.Contains("kind:plc", first.Targets);
        Assert.Equal("cert-x", first.FeedId);
        Assert.Equal(3, content.Ignored); // to_ids false, email-src, deleted
    }

    [Fact]
    public void Read_MalformedAttributes_ReportsEventAttributeAndField()
    {
        var content = MispFeedReader.Read("cert-x", Snapshot(("manifest.json", Manifest(EventUuid)), ($"{EventUuid}.json", Event)));

        Assert.Equal(2, content.Issues.Count);
        var badIp = content.Issues[0];
        Assert.Equal($"{EventUuid}.json", badIp.File);
        Assert.Equal($"event {EventUuid} attribute a0000000-0000-4000-8000-000000000008", badIp.ObjectId);
        Assert.Equal("value", badIp.Field);
        Assert.Contains("not an IP address", badIp.Reason, StringComparison.Ordinal);
        Assert.Equal("first_seen", content.Issues[1].Field);
    }

    [Fact]
    public void Read_BrokenAndMissingEvents_ReportsThemAndKeepsTheGoodOne()
    {
        var content = MispFeedReader.Read("cert-x", Snapshot(
            ("manifest.json", Manifest(BrokenUuid, EventUuid, MissingUuid)),
            ($"{BrokenUuid}.json", "{\"Event\": {\"Attribute\": [ {\"type\": \"ip-dst\", "),
            ($"{EventUuid}.json", Event)));

        Assert.Equal(7, content.Indicators.Count);
        Assert.Contains(content.Issues, i => i.File == $"{BrokenUuid}.json" && i.Reason.StartsWith("not valid JSON", StringComparison.Ordinal));
        Assert.Contains(content.Issues, i => i.File == $"{MissingUuid}.json" && i.Reason.Contains("missing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("{\"not-a-uuid\": {}}", "not an event uuid")]
    [InlineData("{", "not valid JSON")]
    public void Read_BadManifest_ReportsIt(string manifest, string reason)
    {
        var content = MispFeedReader.Read("f", Snapshot(("manifest.json", manifest)));

        var issue = Assert.Single(content.Issues);
        Assert.Equal("manifest.json", issue.File);
        Assert.Contains(reason, issue.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CompositeValueWithoutSeparator_ReportsValue()
    {
        var ev = $$$"""{"Event": {"uuid": "{{{EventUuid}}}", "Attribute": [{"uuid": "a1", "type": "domain|ip", "value": "evil.example"}]}}""";

        var content = MispFeedReader.Read("f", Snapshot(("manifest.json", Manifest(EventUuid)), ($"{EventUuid}.json", ev)));

        var issue = Assert.Single(content.Issues);
        Assert.Equal("value", issue.Field);
        Assert.Contains("composite", issue.Reason, StringComparison.Ordinal);
        Assert.Empty(content.Indicators);
    }

    [Fact]
    public void Read_LastSeenBeforeFirstSeen_ReportsLastSeen()
    {
        var ev = $$$"""
            {"Event": {"uuid": "{{{EventUuid}}}", "Attribute": [{"uuid": "a1", "type": "ip-dst", "value": "192.0.2.1",
              "first_seen": "2026-02-01T00:00:00Z", "last_seen": "2026-01-01T00:00:00Z"}]}}
            """;

        var content = MispFeedReader.Read("f", Snapshot(("manifest.json", Manifest(EventUuid)), ($"{EventUuid}.json", ev)));

        Assert.Equal("last_seen", Assert.Single(content.Issues).Field);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e30")]
    [InlineData("-99999999999")]
    public void ReadEvent_ThreatLevelNotAnInt32_ReadAsUndefined(string level)
    {
        // Seen while adding the misp-event fuzz target: GetInt32 threw FormatException out of the reader on such a number.
        var ev = $$$"""{"Event": {"uuid": "{{{EventUuid}}}", "threat_level_id": {{{level}}}, "Attribute": [{"uuid": "a1", "type": "ip-dst", "value": "192.0.2.1", "to_ids": true}]}}""";

        var content = MispFeedReader.ReadEvent("peer", "event.json", Encoding.UTF8.GetBytes(ev));

        Assert.Empty(content.Issues);
        Assert.Equal(0.7, Assert.Single(content.Indicators).Confidence);
    }

    [Fact]
    public void ReadEventAndManifest_InvalidUtf8InAName_ReportedAsNotUtf8()
    {
        // The same bytes as the STIX bundle reader's fuzz finding, in a MISP property name and a manifest key.
        byte[] ev = [.. "{\"Event\": {\"in"u8, 0xFF, .. "fo\": \"x\"}}"u8];

        var content = MispFeedReader.ReadEvent("peer", "event.json", ev);
        MispFeedReader.ReadManifest(ev, out var error);

        Assert.Contains("not valid UTF-8", Assert.Single(content.Issues).Reason, StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8", error, StringComparison.Ordinal);
    }
}
