using System.Net;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Formats;
using TwinGuard.Intel.Index;
using TwinGuard.Intel.Indicators;
using TwinGuard.Intel.Sharing;

namespace TwinGuard.Intel.Tests.Sharing;

public sealed class SightingExporterTests
{
    private static readonly DateTimeOffset Now = new(2026, 10, 15, 10, 0, 0, TimeSpan.Zero);

    private static readonly Sighting[] Sightings =
    [
        new(new IndicatorAtom(IndicatorType.IPAddress, "10.20.0.99"), Now.AddHours(-2), Now.AddHours(-1), 3, "quarantined device 'plc-8'") { IsSource = true },
        new(new IndicatorAtom(IndicatorType.Domain, "c2.evil.example"), Now.AddHours(-1), Now, 1, "suricata alert"),
        new(new IndicatorAtom(IndicatorType.Sha256, new string('c', 64)), Now, Now, 1, null),
    ];

    [Fact]
    public void Export_ReadBackByImporter_YieldsSameIndicatorsAndTimes()
    {
        using var temp = new TempDirectory();

        SightingExporter.Export(temp.Path, Sightings, "Plant North", Now);
        var content = FeedParser.Parse("north", FeedFetcher.ReadLocal(temp.Path, Now));

        Assert.Empty(content.Issues);
        Assert.Equal(Sightings.Select(s => s.Atom), content.Indicators.Select(i => i.Atom));
        Assert.Equal(Now.AddHours(-2), content.Indicators[0].FirstSeen);
        Assert.Equal(Now.AddHours(-1), content.Indicators[0].LastSeen);
        Assert.Contains("quarantined device 'plc-8'", content.Indicators[0].Description, StringComparison.Ordinal);
        var index = IocIndex.Build(content.Indicators);
        Assert.NotNull(index.Match(IPAddress.Parse("10.20.0.99"), Now));
        Assert.NotNull(index.MatchHost("x.c2.evil.example", Now));
    }

    [Fact]
    public void Export_Twice_ReplacesOwnEventAndKeepsOthers()
    {
        using var temp = new TempDirectory();
        SightingExporter.Export(temp.Path, Sightings, "Plant South", Now);
        var north = SightingExporter.Export(temp.Path, Sightings[..1], "Plant North", Now);

        var again = SightingExporter.Export(temp.Path, Sightings[1..2], "Plant North", Now.AddDays(1));
        var content = FeedParser.Parse("shared", FeedFetcher.ReadLocal(temp.Path, Now));

        Assert.Equal(north, again);
        Assert.Equal(2, Directory.GetFiles(temp.Path, "*-*.json").Length);
        Assert.Equal(Sightings.Length + 1, content.Indicators.Count);
    }

    [Fact]
    public void Export_IntoDirectoryWithBrokenManifest_RefusesAndKeepsIt()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("manifest.json"), "[not a manifest");

        Assert.Throws<InvalidDataException>(() => SightingExporter.Export(temp.Path, Sightings, "x", Now));
        Assert.Equal("[not a manifest", File.ReadAllText(temp.File("manifest.json")));
    }
}
