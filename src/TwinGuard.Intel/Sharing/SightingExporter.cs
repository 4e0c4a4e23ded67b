using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Formats.Misp;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Sharing;

/// <summary>
/// Writes our sightings (matched indicators, addresses of devices we quarantined) as a MISP feed directory that
/// another TwinGuard site, or MISP itself, can import.
/// </summary>
/// <remarks>
/// MISP core format (draft-dulaunoy-misp-core-format): one event per exporting site, <c>&lt;uuid&gt;.json</c>, listed
/// in <c>manifest.json</c>. The event uuid is derived from the organisation name, so a later export replaces the
/// earlier event and other events already in the directory are kept. Every attribute has <c>to_ids</c> true and
/// carries <c>first_seen</c>/<c>last_seen</c>.
/// </remarks>
public static class SightingExporter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes (or replaces) this site's event in the feed directory.</summary>
    /// <param name="directory">The feed directory; created if missing.</param>
    /// <param name="sightings">What to share.</param>
    /// <param name="organisation">Who shares it (the event's <c>Orgc</c>).</param>
    /// <param name="now">The export time.</param>
    /// <returns>The event's uuid.</returns>
    /// <exception cref="InvalidDataException">The directory holds a manifest that is not a MISP manifest.</exception>
    public static Guid Export(string directory, IReadOnlyList<Sighting> sightings, string organisation, DateTimeOffset now)
    {
        Directory.CreateDirectory(directory);
        var (ev, eventUuid) = Event(sightings, organisation, now);
        var orgc = ev["Event"]!["Orgc"]!;
        var tags = ev["Event"]!["Tag"]!;
        var info = (string)ev["Event"]!["info"]!;
        var date = (string)ev["Event"]!["date"]!;
        var timestamp = (string)ev["Event"]!["timestamp"]!;
        var manifestPath = Path.Combine(directory, MispFeedReader.ManifestName);
        JsonObject manifest;
        if (File.Exists(manifestPath))
        {
            try
            {
                manifest = JsonNode.Parse(File.ReadAllBytes(manifestPath)) as JsonObject
                           ?? throw new InvalidDataException($"{manifestPath}: not a MISP manifest (a JSON object)");
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{manifestPath}: not valid JSON: {ex.Message}", ex);
            }
        }
        else
        {
            manifest = [];
        }

        manifest[eventUuid.ToString()] = new JsonObject
        {
            ["Orgc"] = orgc.DeepClone(),
            ["Tag"] = tags.DeepClone(),
            ["info"] = info,
            ["date"] = date,
            ["analysis"] = 2,
            ["threat_level_id"] = 2,
            ["timestamp"] = timestamp,
        };

        // Event first, manifest last: a reader never sees a manifest entry whose event is not there yet.
        WriteAtomically(Path.Combine(directory, eventUuid + ".json"), ev);
        WriteAtomically(manifestPath, manifest);
        return eventUuid;
    }

    /// <summary>
    /// The MISP event (<c>{"Event": {...}}</c>) of <paramref name="sightings"/> from <paramref name="organisation"/>, with
    /// its uuid: what <see cref="Export"/> writes, and what a site sends its peers as indicators (docs/sharing.md).
    /// </summary>
    public static (JsonObject Event, Guid Uuid) Event(IReadOnlyList<Sighting> sightings, string organisation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sightings);
        ArgumentException.ThrowIfNullOrWhiteSpace(organisation);
        var eventUuid = StableUuid("twinguard-sightings|" + organisation);
        var orgUuid = StableUuid("twinguard-org|" + organisation);
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var date = now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var info = $"TwinGuard sightings from {organisation}";
        var tags = new JsonArray(Tag("tlp:amber"), Tag("twinguard:sightings"));
        var orgc = new JsonObject { ["name"] = organisation, ["uuid"] = orgUuid.ToString() };

        var attributes = new JsonArray();
        foreach (var sighting in sightings)
        {
            var type = MispAttributeTypes.ToMisp(sighting.Atom.Type, sighting.IsSource);
            attributes.Add(new JsonObject
            {
                ["uuid"] = StableUuid($"{eventUuid}|{type}|{sighting.Atom.Value}").ToString(),
                ["type"] = type,
                ["category"] = sighting.Atom.Type is IndicatorType.Md5 or IndicatorType.Sha1 or IndicatorType.Sha256
                    ? "Payload delivery"
                    : "Network activity",
                ["value"] = sighting.Atom.Value,
                ["to_ids"] = true,
                ["timestamp"] = sighting.LastSeen.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                ["first_seen"] = sighting.FirstSeen.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
                ["last_seen"] = sighting.LastSeen.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
                ["comment"] = $"seen {sighting.Count.ToString(CultureInfo.InvariantCulture)} times; last: {sighting.Note}",
                ["distribution"] = "5",
            });
        }

        var ev = new JsonObject
        {
            ["Event"] = new JsonObject
            {
                ["uuid"] = eventUuid.ToString(),
                ["info"] = info,
                ["date"] = date,
                ["timestamp"] = timestamp,
                ["published"] = true,
                ["analysis"] = "2",
                ["threat_level_id"] = "2",
                ["Orgc"] = orgc.DeepClone(),
                ["Tag"] = tags.DeepClone(),
                ["Attribute"] = attributes,
            },
        };

        return (ev, eventUuid);
    }

    private static JsonObject Tag(string name) => new() { ["name"] = name };

    private static void WriteAtomically(string path, JsonNode node)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, node.ToJsonString(Indented), new UTF8Encoding(false));
        File.Move(temporary, path, true);
    }

    /// <summary>A name-based UUID (RFC 9562 §5.8, version 8 from SHA-256), stable across exports.</summary>
    private static Guid StableUuid(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
