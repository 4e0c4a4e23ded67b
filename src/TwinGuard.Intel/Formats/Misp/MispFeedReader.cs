using System.Globalization;
using System.Text.Json;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Formats.Misp;

/// <summary>
/// Reads a MISP feed: <c>manifest.json</c> (event uuid to event summary) and one <c>&lt;uuid&gt;.json</c> per event,
/// each holding <c>{"Event": {...}}</c> in the MISP core format.
/// </summary>
/// <remarks>
/// MISP core format (draft-dulaunoy-misp-core-format-15): §2.2 event, §2.3 attribute (<c>type</c>, <c>value</c>,
/// <c>to_ids</c>, <c>first_seen</c>, <c>last_seen</c>), §2.4 object; feed layout as written by MISP's
/// <c>misp-feed</c> generator. Attributes with <c>to_ids</c> false are context, not detection: counted as ignored.
/// </remarks>
public static class MispFeedReader
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "manifest.json";

    /// <summary>Reads every event the manifest lists.</summary>
    /// <param name="feedId">The feed's id, stamped on every indicator and issue.</param>
    /// <param name="snapshot">The feed's files.</param>
    /// <returns>Indicators and issues; a missing or malformed event never stops the others.</returns>
    public static FeedContent Read(string feedId, FeedSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var collector = new IndicatorCollector(feedId);
        Read(collector, snapshot);
        return collector.ToContent();
    }

    /// <summary>Reads one event (<c>{"Event": {...}}</c>) that arrived alone, e.g. from a peer site (docs/sharing.md).</summary>
    /// <param name="feedId">The feed its indicators belong to (the peer).</param>
    /// <param name="name">What to call it in issues.</param>
    /// <param name="content">The event's JSON.</param>
    public static FeedContent ReadEvent(string feedId, string name, byte[] content)
    {
        var collector = new IndicatorCollector(feedId);
        ReadEventFile(collector, name, content);
        return collector.ToContent();
    }

    /// <summary>The event uuids a manifest lists, or an error saying why it cannot be read.</summary>
    public static IReadOnlyList<string> ReadManifest(byte[] manifest, out string? error)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using var document = FeedJson.TryParse(manifest, out error);
        if (document is null)
        {
            return [];
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            error = "the manifest is not a JSON object of event uuid to event summary";
            return [];
        }

        var uuids = new List<string>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!Guid.TryParse(property.Name, out _))
            {
                error = $"manifest key '{property.Name}' is not an event uuid";
                return [];
            }

            uuids.Add(property.Name);
        }

        return uuids;
    }

    internal static void Read(IndicatorCollector collector, FeedSnapshot snapshot)
    {
        var manifest = snapshot.Find(ManifestName);
        if (manifest is null)
        {
            collector.Issue(ManifestName, null, null, "missing: a MISP feed needs manifest.json");
            return;
        }

        var uuids = ReadManifest(manifest.Content, out var error);
        if (error is not null)
        {
            collector.Issue(ManifestName, null, null, error);
            return;
        }

        foreach (var uuid in uuids)
        {
            var name = uuid + ".json";
            var file = snapshot.Find(name);
            if (file is null)
            {
                collector.Issue(name, $"event {uuid}", null, "listed in manifest.json but missing from the feed");
                continue;
            }

            ReadEventFile(collector, name, file.Content);
        }
    }

    /// <summary>Reads one event file (<c>{"Event": {...}}</c>).</summary>
    internal static void ReadEventFile(IndicatorCollector collector, string file, byte[] content)
    {
        var document = FeedJson.TryParse(content, out var error);
        if (document is null)
        {
            collector.Issue(file, null, null, error!);
            return;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("Event", out var ev) || ev.ValueKind != JsonValueKind.Object)
            {
                collector.Issue(file, null, "Event", "no \"Event\" object (MISP core format §2.2)");
                return;
            }

            ReadEvent(collector, file, ev);
        }
    }

    private static void ReadEvent(IndicatorCollector collector, string file, JsonElement ev)
    {
        var uuid = String(ev, "uuid") ?? Path.GetFileNameWithoutExtension(file);
        var where = $"event {uuid}";
        var info = String(ev, "info");
        DateTimeOffset? eventTime = null;
        if (ev.TryGetProperty("timestamp", out var ts) && !FeedTime.TryParse(ts, out eventTime))
        {
            collector.Issue(file, where, "timestamp", $"'{ts}' is not a Unix time");
        }

        if (eventTime is null && String(ev, "date") is { } date && FeedTime.TryParse(date, out var day))
        {
            eventTime = day;
        }

        // §2.2.1.6 threat_level_id: 1 high, 2 medium, 3 low, 4 undefined.
        var confidence = String(ev, "threat_level_id") switch
        {
            "1" => 1.0,
            "2" => 0.8,
            "3" => 0.5,
            _ => 0.7,
        };
        // A number that is not an Int32 (1.5, 1e30) is "undefined" like any other unknown level, not an exception.
        if (ev.TryGetProperty("threat_level_id", out var level) && level.ValueKind == JsonValueKind.Number)
        {
            confidence = level.TryGetInt32(out var number) ? number switch { 1 => 1.0, 2 => 0.8, 3 => 0.5, _ => 0.7 } : 0.7;
        }

        var eventTags = Tags(ev);
        var context = new EventContext(file, info, eventTime, confidence, eventTags);
        if (ev.TryGetProperty("Attribute", out var attributes))
        {
            ReadAttributes(collector, context, attributes, where);
        }

        if (ev.TryGetProperty("Object", out var objects))
        {
            if (objects.ValueKind != JsonValueKind.Array)
            {
                collector.Issue(file, where, "Object", "not an array");
                return;
            }

            foreach (var obj in objects.EnumerateArray())
            {
                var objectWhere = $"{where} object {String(obj, "uuid") ?? String(obj, "name") ?? "?"}";
                if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty("Attribute", out var objectAttributes))
                {
                    ReadAttributes(collector, context, objectAttributes, objectWhere);
                }
            }
        }
    }

    private static void ReadAttributes(IndicatorCollector collector, EventContext context, JsonElement attributes, string where)
    {
        if (attributes.ValueKind != JsonValueKind.Array)
        {
            collector.Issue(context.File, where, "Attribute", "not an array");
            return;
        }

        var position = 0;
        foreach (var attribute in attributes.EnumerateArray())
        {
            position++;
            var id = $"{where} attribute {(attribute.ValueKind == JsonValueKind.Object ? String(attribute, "uuid") : null) ?? "#" + position.ToString(CultureInfo.InvariantCulture)}";
            ReadAttribute(collector, context, attribute, id);
        }
    }

    private static void ReadAttribute(IndicatorCollector collector, EventContext context, JsonElement attribute, string id)
    {
        var file = context.File;
        if (attribute.ValueKind != JsonValueKind.Object)
        {
            collector.Issue(file, id, null, "not a JSON object");
            return;
        }

        var type = String(attribute, "type");
        var value = String(attribute, "value");
        if (type is null)
        {
            collector.Issue(file, id, "type", "missing");
            return;
        }

        if (value is null)
        {
            collector.Issue(file, id, "value", "missing");
            return;
        }

        if (Bool(attribute, "deleted") == true)
        {
            collector.Ignored++;
            return;
        }

        var parts = MispAttributeTypes.Parts(type);
        if (parts is null)
        {
            collector.Ignored++;
            return;
        }

        var toIds = Bool(attribute, "to_ids");
        if (toIds is null && attribute.TryGetProperty("to_ids", out _))
        {
            collector.Issue(file, id, "to_ids", "not a boolean");
            return;
        }

        if (toIds == false)
        {
            collector.Ignored++;
            return;
        }

        if (!Time(collector, file, id, attribute, "first_seen", out var firstSeen)
            || !Time(collector, file, id, attribute, "last_seen", out var lastSeen)
            || !Time(collector, file, id, attribute, "timestamp", out var timestamp))
        {
            return;
        }

        if (firstSeen is { } first && lastSeen is { } last && last < first)
        {
            collector.Issue(file, id, "last_seen", $"{last:O} is before first_seen {first:O}");
            return;
        }

        var values = parts.Length == 1 ? [value] : value.Split('|');
        if (values.Length != parts.Length)
        {
            collector.Issue(file, id, "value", $"'{value}' is not a composite '{type}' value (parts separated by '|')");
            return;
        }

        var tags = context.Tags.Concat(Tags(attribute)).Distinct(StringComparer.Ordinal).ToArray();
        var targets = tags.Where(t => t.StartsWith(TargetTagPrefix, StringComparison.Ordinal))
            .Select(t => t[TargetTagPrefix.Length..].Trim('"'))
            .ToArray();
        var comment = String(attribute, "comment");
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] is not { } indicatorType)
            {
                continue;
            }

            collector.TryAdd(indicatorType, values[i], file, id, "value", indicator => indicator with
            {
                FirstSeen = firstSeen,
                LastSeen = lastSeen ?? timestamp ?? context.EventTime,
                Confidence = context.Confidence,
                Description = string.IsNullOrEmpty(comment) ? context.Info : $"{context.Info}: {comment}",
                Tags = tags,
                Targets = targets,
            });
        }
    }

    /// <summary>The MISP machine tag by which a feed names targeted assets: <c>twinguard:target="kind:plc"</c>.</summary>
    public const string TargetTagPrefix = "twinguard:target=";

    private static bool Time(IndicatorCollector collector, string file, string id, JsonElement obj, string field, out DateTimeOffset? time)
    {
        time = null;
        if (!obj.TryGetProperty(field, out var element))
        {
            return true;
        }

        if (FeedTime.TryParse(element, out time))
        {
            return true;
        }

        collector.Issue(file, id, field, $"'{element}' is not a time (ISO 8601 or Unix seconds)");
        return false;
    }

    private static string[] Tags(JsonElement obj) =>
        obj.TryGetProperty("Tag", out var tags) && tags.ValueKind == JsonValueKind.Array
            ? tags.EnumerateArray()
                .Select(t => t.ValueKind == JsonValueKind.Object ? String(t, "name") : null)
                .OfType<string>()
                .ToArray()
            : [];

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    private static bool? Bool(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            return null;
        }

        // MISP exports booleans as true/false, older instances as "1"/"0" or 1/0.
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => value.GetString() switch { "1" or "true" => true, "0" or "false" => false, _ => null },
            JsonValueKind.Number => value.GetRawText() switch { "1" => true, "0" => false, _ => null },
            _ => null,
        };
    }

    private sealed record EventContext(string File, string? Info, DateTimeOffset? EventTime, double Confidence, string[] Tags);
}
