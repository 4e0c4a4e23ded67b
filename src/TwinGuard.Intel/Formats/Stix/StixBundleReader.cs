using System.Globalization;
using System.Text.Json;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Formats.Stix;

/// <summary>Reads the <c>indicator</c> objects of a STIX 2.1 bundle into IOC index entries.</summary>
/// <remarks>
/// STIX 2.1 OASIS Standard §8 (bundle: <c>type</c> "bundle", <c>objects</c>), §4.7 (indicator: required
/// <c>id</c>, <c>pattern</c>, <c>pattern_type</c>, <c>valid_from</c>; <c>valid_until</c> must be later than
/// <c>valid_from</c>), §3.2 (<c>revoked</c>), §3.7 (<c>confidence</c> 0..100). Patterns of a type other than
/// <c>stix</c> (snort, yara, sigma) and revoked indicators are counted as ignored. The custom property
/// <c>x_twinguard_targets</c> (list of <c>kind:plc</c>-style names) names targeted assets.
/// </remarks>
public static class StixBundleReader
{
    /// <summary>Reads one bundle (or a single indicator object).</summary>
    public static FeedContent Read(string feedId, string file, byte[] content)
    {
        var collector = new IndicatorCollector(feedId);
        Read(collector, file, content);
        return collector.ToContent();
    }

    internal static void Read(IndicatorCollector collector, string file, byte[] content)
    {
        var document = FeedJson.TryParse(content, out var error);
        if (document is null)
        {
            collector.Issue(file, null, null, error!);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && Text(root, "type") == "indicator")
            {
                ReadIndicator(collector, file, root, 1);
                return;
            }

            if (root.ValueKind != JsonValueKind.Object || Text(root, "type") != "bundle")
            {
                collector.Issue(file, null, "type", "not a STIX bundle (§8: \"type\": \"bundle\")");
                return;
            }

            if (!root.TryGetProperty("objects", out var objects))
            {
                return; // §8: objects is optional; an empty bundle is valid.
            }

            if (objects.ValueKind != JsonValueKind.Array)
            {
                collector.Issue(file, Text(root, "id"), "objects", "not an array");
                return;
            }

            var position = 0;
            foreach (var obj in objects.EnumerateArray())
            {
                position++;
                if (obj.ValueKind != JsonValueKind.Object)
                {
                    collector.Issue(file, $"object #{position.ToString(CultureInfo.InvariantCulture)}", null, "not a JSON object");
                }
                else if (Text(obj, "type") == "indicator")
                {
                    ReadIndicator(collector, file, obj, position);
                }
            }
        }
    }

    private static void ReadIndicator(IndicatorCollector collector, string file, JsonElement obj, int position)
    {
        var id = Text(obj, "id");
        if (id is null || !id.StartsWith("indicator--", StringComparison.Ordinal) || !Guid.TryParse(id["indicator--".Length..], out _))
        {
            collector.Issue(file, id ?? $"object #{position.ToString(CultureInfo.InvariantCulture)}", "id",
                "missing or not 'indicator--<UUID>' (§2.9 identifier)");
            return;
        }

        if (obj.TryGetProperty("revoked", out var revoked) && revoked.ValueKind == JsonValueKind.True)
        {
            collector.Ignored++;
            return;
        }

        var pattern = Text(obj, "pattern");
        if (pattern is null)
        {
            collector.Issue(file, id, "pattern", "missing (required by §4.7)");
            return;
        }

        var patternType = Text(obj, "pattern_type") ?? "stix";
        if (patternType != "stix")
        {
            collector.Ignored++;
            return;
        }

        if (!TryTime(collector, file, id, obj, "valid_from", required: true, out var validFrom)
            || !TryTime(collector, file, id, obj, "valid_until", required: false, out var validUntil)
            || !TryTime(collector, file, id, obj, "modified", required: false, out var modified))
        {
            return;
        }

        if (validUntil is { } until && until <= validFrom)
        {
            collector.Issue(file, id, "valid_until", $"{until:O} is not later than valid_from {validFrom:O} (§4.7)");
            return;
        }

        var confidence = 1.0;
        if (obj.TryGetProperty("confidence", out var confidenceElement))
        {
            if (confidenceElement.ValueKind != JsonValueKind.Number || !confidenceElement.TryGetInt32(out var percent) || percent is < 0 or > 100)
            {
                collector.Issue(file, id, "confidence", $"'{confidenceElement}' is not an integer 0..100 (§3.7)");
                return;
            }

            confidence = percent / 100.0;
        }

        IReadOnlyList<StixPatternAtom> atoms;
        try
        {
            // Clauses that name nothing indexable (process names, registry keys) are not ours to match: not issues.
            atoms = StixIndicatorCompiler.Compile(StixPatternParser.Parse(pattern), out _);
        }
        catch (StixPatternException ex)
        {
            collector.Issue(file, id, "pattern", $"'{pattern}': {ex.Message}");
            return;
        }

        if (atoms.Count == 0)
        {
            collector.Ignored++;
            return;
        }

        var labels = Strings(obj, "labels");
        var targets = Strings(obj, "x_twinguard_targets");
        var description = Text(obj, "name") ?? Text(obj, "description");
        foreach (var atom in atoms)
        {
            collector.TryAdd(atom.Type, atom.Value, file, id, "pattern", indicator => indicator with
            {
                ValidFrom = validFrom,
                ValidUntil = validUntil,
                LastSeen = modified ?? validFrom,
                Confidence = confidence,
                Description = description,
                Tags = labels,
                Targets = targets,
                AlsoRequires = atom.AlsoRequires,
            });
        }

    }

    private static bool TryTime(IndicatorCollector collector, string file, string id, JsonElement obj, string field, bool required, out DateTimeOffset? time)
    {
        time = null;
        if (!obj.TryGetProperty(field, out var element))
        {
            if (required)
            {
                collector.Issue(file, id, field, "missing (required by §4.7)");
                return false;
            }

            return true;
        }

        // §3.2 timestamp: RFC 3339, UTC, "Z".
        if (element.ValueKind == JsonValueKind.String && element.GetString()!.EndsWith('Z')
            && FeedTime.TryParse(element.GetString()!, out time) && time is not null)
        {
            return true;
        }

        collector.Issue(file, id, field, $"'{element}' is not an RFC 3339 UTC timestamp (§3.2)");
        return false;
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string[] Strings(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray()
            : [];
}
