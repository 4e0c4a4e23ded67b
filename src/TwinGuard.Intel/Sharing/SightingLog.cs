using System.Globalization;
using System.Text;
using System.Text.Json;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Sharing;

/// <summary>
/// Our sightings on disk, one JSON object per line (<c>&lt;data-dir&gt;/intel/sightings.jsonl</c>), so that they
/// survive restarts and can be exported as a MISP feed.
/// </summary>
/// <remarks>Lines are only appended; <see cref="Read"/> merges repeated values (first seen, last seen, count).</remarks>
public sealed class SightingLog(string path)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The log file.</summary>
    public string Path { get; } = path;

    /// <summary>Appends sightings.</summary>
    public void Append(IEnumerable<Sighting> sightings)
    {
        ArgumentNullException.ThrowIfNull(sightings);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var text = new StringBuilder();
        foreach (var s in sightings)
        {
            text.Append(JsonSerializer.Serialize(
                new SightingLine(s.Atom.Type.ToString(), s.Atom.Value, s.FirstSeen, s.LastSeen, s.Count, s.Note, s.IsSource), Json)).Append('\n');
        }

        File.AppendAllText(Path, text.ToString(), new UTF8Encoding(false));
    }

    /// <summary>Every sighting in the log, merged by value, in order of first sighting.</summary>
    /// <exception cref="InvalidDataException">A line is malformed; the message gives the file and line.</exception>
    public IReadOnlyList<Sighting> Read()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        var merged = new Dictionary<IndicatorAtom, Sighting>();
        var number = 0;
        foreach (var line in File.ReadLines(Path))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            var where = $"{Path}:{number.ToString(CultureInfo.InvariantCulture)}";
            SightingLine? entry;
            try
            {
                entry = JsonSerializer.Deserialize<SightingLine>(line, Json);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{where}: not a sighting: {ex.Message}", ex);
            }

            if (entry is null || !Enum.TryParse<IndicatorType>(entry.Type, out var type)
                || !IndicatorValue.TryNormalize(type, entry.Value ?? string.Empty, out var value, out var error))
            {
                throw new InvalidDataException($"{where}: not a sighting (type '{entry?.Type}', value '{entry?.Value}')");
            }

            var atom = new IndicatorAtom(type, value);
            var sighting = new Sighting(atom, entry.FirstSeen, entry.LastSeen, entry.Count, entry.Note) { IsSource = entry.IsSource };
            merged[atom] = merged.TryGetValue(atom, out var seen)
                ? seen with
                {
                    FirstSeen = sighting.FirstSeen < seen.FirstSeen ? sighting.FirstSeen : seen.FirstSeen,
                    LastSeen = sighting.LastSeen > seen.LastSeen ? sighting.LastSeen : seen.LastSeen,
                    Count = seen.Count + sighting.Count,
                    Note = sighting.Note ?? seen.Note,
                }
                : sighting;
        }

        return merged.Values.OrderBy(s => s.FirstSeen).ToArray();
    }

    private sealed record SightingLine(string Type, string? Value, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, int Count, string? Note, bool IsSource);
}
