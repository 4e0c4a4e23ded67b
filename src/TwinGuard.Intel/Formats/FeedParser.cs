using System.Text.Json;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Formats.Csv;
using TwinGuard.Intel.Formats.Misp;
using TwinGuard.Intel.Formats.Stix;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Formats;

/// <summary>Recognises a feed's format from its files and reads it: MISP feed, STIX 2.1 bundles, MISP events or CSV lists.</summary>
public static class FeedParser
{
    /// <summary>Reads every file of a feed.</summary>
    /// <param name="feedId">The feed's id.</param>
    /// <param name="snapshot">Its files.</param>
    /// <returns>The indicators and issues; one malformed file never hides the others.</returns>
    public static FeedContent Parse(string feedId, FeedSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var collector = new IndicatorCollector(feedId);
        if (snapshot.Find(MispFeedReader.ManifestName) is not null)
        {
            MispFeedReader.Read(collector, snapshot);
            return collector.ToContent();
        }

        foreach (var file in snapshot.Files)
        {
            ParseFile(collector, file);
        }

        return collector.ToContent();
    }

    private static void ParseFile(IndicatorCollector collector, FeedFile file)
    {
        var extension = Path.GetExtension(file.Name).ToUpperInvariant();
        if (extension is ".CSV" or ".TXT")
        {
            CsvIndicatorReader.Read(collector, file.Name, file.Content);
            return;
        }

        switch (Sniff(file.Content))
        {
            case "stix":
                StixBundleReader.Read(collector, file.Name, file.Content);
                break;
            case "misp":
                MispFeedReader.ReadEventFile(collector, file.Name, file.Content);
                break;
            case "csv":
                CsvIndicatorReader.Read(collector, file.Name, file.Content);
                break;
            default:
                collector.Issue(file.Name, null, null, "not a MISP event, STIX bundle or CSV list");
                break;
        }
    }

    /// <summary>Guesses a file's format from its first bytes: <c>stix</c>, <c>misp</c>, <c>misp-manifest</c>, <c>csv</c> or null.</summary>
    public static string? Sniff(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var start = content.AsSpan();
        if (start.StartsWith("\uFEFF"u8))
        {
            start = start[3..];
        }

        start = start.TrimStart(" \t\r\n"u8);
        if (start.IsEmpty)
        {
            return null;
        }

        if (start[0] != (byte)'{')
        {
            return "csv";
        }

        using var document = FeedJson.TryParse(content, out _);
        if (document is null)
        {
            // A broken JSON file is still claimed by a JSON reader so that its issue says what is wrong with it.
            var text = System.Text.Encoding.UTF8.GetString(content);
            return text.Contains("\"Event\"", StringComparison.Ordinal) ? "misp" : "stix";
        }

        var root = document.RootElement;
        if (root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            return type.GetString() is "bundle" or "indicator" ? "stix" : null;
        }

        if (root.TryGetProperty("Event", out _))
        {
            return "misp";
        }

        return root.EnumerateObject().Any() && root.EnumerateObject().All(p => Guid.TryParse(p.Name, out _)) ? "misp-manifest" : null;
    }
}
