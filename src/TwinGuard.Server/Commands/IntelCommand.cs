using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Index;
using TwinGuard.Intel.Indicators;
using TwinGuard.Intel.Sharing;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard intel import|list|match|export-sightings</c>: threat-intel feeds kept under
/// <c>&lt;data-dir&gt;/intel</c>, and lookups against them.
/// </summary>
internal static class IntelCommand
{
    private const int MaxIssuesShown = 50;

    private static readonly JsonSerializerOptions JsonOutput = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Command Create() => new("intel", "Threat-intel feeds (MISP, STIX 2.1, CSV) and IOC lookups")
    {
        Import(),
        List(),
        Match(),
        ExportSightings(),
    };

    private static string IntelDirectory(DirectoryInfo dataDir) => Path.Combine(dataDir.FullName, "intel");

    private static Command Import()
    {
        var location = new Argument<string>("location") { Description = "A MISP feed directory, a STIX/MISP/CSV file, or an http(s) URL" };
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var allowHttp = new Option<bool>("--allow-http") { Description = "This feed may be fetched over plain http (recorded with the feed, warned at every start)" };
        var allowPrivate = new Option<bool>("--allow-private") { Description = "This feed may be on a loopback, private or link-local address (a feed server on the plant network)" };
        var maxMib = new Option<int?>("--max-mib") { Description = "Most MiB one refresh of this feed may download, all its files together (default 256)" };
        var command = new Command("import", "Fetch a feed, store it under <data-dir>/intel and index it") { location, dataDir, json, allowHttp, allowPrivate, maxMib };
        command.SetAction(async (parse, ct) =>
        {
            var where = parse.GetValue(location)!;
            var source = FeedSource.For(where) with { Limits = FeedLimits(parse.GetValue(allowHttp), parse.GetValue(allowPrivate), parse.GetValue(maxMib)) };
            if (source.OptIns is { } optIns)
            {
                // An explicit, logged opt-in: the defaults refuse both (docs/abuse.md, intel fetch).
                await Console.Error.WriteLineAsync($"warning: feed {source.Id} ({source.Location}) may use {optIns}, as asked; this is recorded with the feed");
            }

            if (source.Url is null && !File.Exists(where) && !Directory.Exists(where))
            {
                throw new CommandLineException($"{where}: no such file or directory (give a feed directory, a file, or an http(s) URL)");
            }

            var store = new FeedStore(IntelDirectory(parse.GetValue(dataDir)!));
            using var http = FeedHttp.CreateClient(TimeSpan.FromSeconds(60));
            var refresher = new FeedRefresher([source], http, new FeedRefresherOptions(), store);
            refresher.LoadStored();
            var status = (await refresher.RefreshAllAsync(ct)).Single();
            if (status.LastError is not null)
            {
                if (status.LastSuccess is null)
                {
                    // Never fetched: do not leave a feed behind that the user has not managed to import.
                    store.Remove(source.Id);
                }

                throw new IOException(status.Describe());
            }

            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(ToJson(source, status), JsonOutput));
                return 0;
            }

            await Console.Out.WriteLineAsync(
                $"imported {source.Id} from {source.Location}: {status.Indicators} indicators, {status.Ignored} ignored, {status.Issues.Count} issues");
            await PrintIssuesAsync(status.Issues);
            return 0;
        });
        return command;
    }

    /// <summary>A feed's own limits when any switch asks for them; null keeps the defaults.</summary>
    private static FeedFetchLimits? FeedLimits(bool allowHttp, bool allowPrivate, int? maxMib)
    {
        if (maxMib is < 1 or > 65536)
        {
            throw new CommandLineException($"--max-mib: expected 1 to 65536, found {maxMib}");
        }

        return allowHttp || allowPrivate || maxMib is not null
            ? new FeedFetchLimits { AllowHttp = allowHttp, AllowPrivateTargets = allowPrivate, MaxBytesPerRefresh = (maxMib ?? 256) * 1024L * 1024 }
            : null;
    }

    private static Command List()
    {
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("list", "List the stored feeds, their indicator counts and whether their last refresh failed") { dataDir, json };
        command.SetAction(async (parse, _) =>
        {
            var feeds = new FeedStore(IntelDirectory(parse.GetValue(dataDir)!)).List();
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(feeds.Select(f => ToJson(f.Source, f.Status)), JsonOutput));
                return 0;
            }

            if (feeds.Count == 0)
            {
                await Console.Out.WriteLineAsync("no feeds; add one with: twinguard intel import FILE|DIR|URL");
                return 0;
            }

            await Console.Out.WriteLineAsync($"{"FEED",-40} {"INDICATORS",10} {"ISSUES",6} {"FETCHED (UTC)",-20} SOURCE");
            foreach (var (source, status) in feeds)
            {
                var fetched = status.LastSuccess?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "never";
                await Console.Out.WriteLineAsync(
                    $"{source.Id,-40} {status.Indicators,10} {status.Issues.Count,6} {fetched,-20} {source.Location}");
                if (status.LastError is not null)
                {
                    await Console.Out.WriteLineAsync($"  last refresh failed: {status.LastError}");
                }

                if (source.OptIns is { } optIns)
                {
                    await Console.Out.WriteLineAsync($"  may use {optIns} (opted in at import)");
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Match()
    {
        var value = new Argument<string>("value") { Description = "An IP address, domain or host name, URL, or MD5/SHA-1/SHA-256 hash" };
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var record = new Option<bool>("--record") { Description = "Record a match as our own sighting (for export-sightings)" };
        var command = new Command("match", "Look a value up in every stored feed; prints the match or \"no match\"") { value, dataDir, json, record };
        command.SetAction(async (parse, _) =>
        {
            var intel = IntelDirectory(parse.GetValue(dataDir)!);
            var index = LoadIndex(intel);
            var text = parse.GetValue(value)!;
            var match = index.Match(text);
            if (match is not null && parse.GetValue(record))
            {
                var now = TimeProvider.System.GetUtcNow();
                new SightingLog(Path.Combine(intel, "sightings.jsonl")).Append(
                    [new Sighting(match.Indicator.Atom, now, now, 1, $"looked up '{text}' by an operator")]);
            }

            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { value = text, match = match is null ? null : ToJson(match) }, JsonOutput));
                return 0;
            }

            if (match is null)
            {
                await Console.Out.WriteLineAsync($"{text}: no match ({index.Count} indicators searched)");
                return 0;
            }

            var indicator = match.Indicator;
            await Console.Out.WriteLineAsync(
                $"{text}: match {indicator.Type} {indicator.Value} ({match.Kind.ToString().ToLowerInvariant()}, weight "
                + $"{match.Weight.ToString("0.00", CultureInfo.InvariantCulture)}) from feed {indicator.FeedId} [{indicator.SourceId}]"
                + (indicator.Description is { } d ? $": {d}" : string.Empty)
                + (indicator.IsComplete ? string.Empty : $"; pattern also requires {string.Join(" AND ", indicator.AlsoRequires)}"));
            return 0;
        });
        return command;
    }

    private static Command ExportSightings()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "MISP feed directory to write (created if missing)", Required = true };
        var organisation = new Option<string>("--org") { Description = "Organisation name on the shared event", DefaultValueFactory = _ => "TwinGuard" };
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("export-sightings", "Write our sightings (<data-dir>/intel/sightings.jsonl) as a MISP feed another site can import")
        {
            output, organisation, dataDir, json,
        };
        command.SetAction(async (parse, _) =>
        {
            var sightings = new SightingLog(Path.Combine(IntelDirectory(parse.GetValue(dataDir)!), "sightings.jsonl")).Read();
            var directory = parse.GetValue(output)!.FullName;
            var uuid = SightingExporter.Export(directory, sightings, parse.GetValue(organisation)!, TimeProvider.System.GetUtcNow());
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { directory, event_uuid = uuid, sightings = sightings.Count }, JsonOutput));
            }
            else
            {
                await Console.Out.WriteLineAsync($"exported {sightings.Count} sightings to {directory} (MISP event {uuid})");
            }

            return 0;
        });
        return command;
    }

    private static IocIndex LoadIndex(string intelDirectory)
    {
        var store = new FeedStore(intelDirectory);
        var sources = store.List().Select(f => f.Source).ToArray();
        using var http = FeedHttp.CreateClient(TimeSpan.FromSeconds(100));
        var refresher = new FeedRefresher(sources, http, new FeedRefresherOptions(), store);
        foreach (var status in refresher.LoadStored().Where(s => s.LastError is not null && s.LastSuccess is null))
        {
            Console.Error.WriteLine($"twinguard: warning: {status.Describe()}");
        }

        return refresher.Index;
    }

    private static async Task PrintIssuesAsync(IReadOnlyList<FeedIssue> issues)
    {
        foreach (var issue in issues.Take(MaxIssuesShown))
        {
            await Console.Out.WriteLineAsync($"  issue: {issue}");
        }

        if (issues.Count > MaxIssuesShown)
        {
            await Console.Out.WriteLineAsync($"  ... and {issues.Count - MaxIssuesShown} more issues (see --json)");
        }
    }

    private static object ToJson(FeedSource source, FeedStatus status) => new
    {
        id = source.Id,
        location = source.Location,
        opt_ins = source.OptIns,
        max_bytes_per_refresh = source.Limits?.MaxBytesPerRefresh,
        indicators = status.Indicators,
        ignored = status.Ignored,
        fetched_at = status.LastSuccess,
        last_attempt = status.LastAttempt,
        last_error = status.LastError,
        stale = status.Stale,
        not_modified = status.NotModified,
        issues = status.Issues.Select(i => new { file = i.File, @object = i.ObjectId, field = i.Field, reason = i.Reason }),
    };

    private static object ToJson(IocMatch match) => new
    {
        type = match.Indicator.Type,
        indicator = match.Indicator.Value,
        kind = match.Kind,
        weight = Math.Round(match.Weight, 4),
        feed = match.Indicator.FeedId,
        source_id = match.Indicator.SourceId,
        description = match.Indicator.Description,
        first_seen = match.Indicator.FirstSeen,
        last_seen = match.Indicator.LastSeen,
        valid_until = match.Indicator.ValidUntil,
        tags = match.Indicator.Tags,
        targets = match.Indicator.Targets,
        also_requires = match.Indicator.AlsoRequires,
    };
}
