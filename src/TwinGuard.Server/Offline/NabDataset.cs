using System.Globalization;
using System.Text.Json;

namespace TwinGuard.Server.Offline;

/// <summary>Loads a NAB corpus: <c>data/&lt;category&gt;/&lt;name&gt;.csv</c> files and <c>windows.json</c>.</summary>
/// <remarks>
/// ../shared/datasets/nab-dev/README.md: each file is <c>timestamp,value</c> in time order; windows.json maps each
/// file to its windows as [start, end] timestamps. A window covers the rows whose timestamps fall within it.
/// </remarks>
internal static class NabDataset
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    /// <summary>Every file listed in <c>windows.json</c> under <paramref name="root"/>, in name order.</summary>
    public static IReadOnlyList<NabSeries> Load(string root)
    {
        var windowsPath = Path.Combine(root, "windows.json");
        if (!File.Exists(windowsPath))
        {
            throw new FileNotFoundException($"{root}: not a NAB corpus (no windows.json)", windowsPath);
        }

        Dictionary<string, string[][]> labels;
        try
        {
            labels = JsonSerializer.Deserialize<Dictionary<string, string[][]>>(File.ReadAllText(windowsPath))
                     ?? throw new InvalidDataException($"{windowsPath}: empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{windowsPath}: {ex.Message}", ex);
        }

        return [.. labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => LoadFile(root, l.Key, l.Value))];
    }

    private static NabSeries LoadFile(string root, string name, string[][] windows)
    {
        var path = Path.Combine(root, "data", name);
        var table = NumericCsvReader.Read(path, new CsvColumnSelection(',', "timestamp", ["value"], null));
        var times = table.Times!.Select((t, i) => Parse(t, $"{path}:{i + 2}")).ToArray();
        var rows = new List<NabWindow>();
        foreach (var window in windows)
        {
            if (window.Length != 2)
            {
                throw new InvalidDataException($"windows.json: {name}: a window needs [start, end]");
            }

            var start = Parse(window[0], $"windows.json: {name}");
            var end = Parse(window[1], $"windows.json: {name}");
            var first = Array.FindIndex(times, t => t >= start);
            var last = Array.FindLastIndex(times, t => t <= end);
            if (first < 0 || last < first)
            {
                throw new InvalidDataException($"windows.json: {name}: window {window[0]} .. {window[1]} holds no row");
            }

            rows.Add(new NabWindow(first, last));
        }

        return new NabSeries(name, table.Values, table.ColumnNames, [.. rows.OrderBy(w => w.Start)]);
    }

    private static DateTime Parse(string text, string where) =>
        DateTime.TryParseExact(text.Trim(), [TimeFormat, "yyyy-MM-dd HH:mm:ss"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new FormatException($"{where}: '{text}' is not yyyy-MM-dd HH:mm:ss");
}
