using System.Globalization;

namespace TwinGuard.Server.Offline;

/// <summary>Loads the SKAB benchmark (Katser and Kozitsin, 2020) from a checkout of waico/SKAB's data.</summary>
/// <remarks>
/// Files are ';'-separated with a <c>datetime</c> column (<c>yyyy-MM-dd HH:mm:ss</c>), eight sensor columns and the
/// <c>anomaly</c> and <c>changepoint</c> labels. The 34 experiments are valve1/0..15, valve2/0..3 and other/1..14;
/// anomaly-free.csv is not part of the leaderboard protocol.
/// </remarks>
internal static class SkabDataset
{
    /// <summary>The 34 experiment names in the leaderboard's set.</summary>
    public static IReadOnlyList<string> Experiments { get; } =
    [
        .. Enumerable.Range(0, 16).Select(i => $"valve1/{i}"),
        .. Enumerable.Range(0, 4).Select(i => $"valve2/{i}"),
        .. Enumerable.Range(1, 14).Select(i => $"other/{i}"),
    ];

    /// <summary>The <c>data</c> folder under <paramref name="root"/> (the SKAB checkout or its data folder).</summary>
    public static string DataFolder(string root)
    {
        if (Directory.Exists(Path.Combine(root, "data", "valve1")))
        {
            return Path.Combine(root, "data");
        }

        if (Directory.Exists(Path.Combine(root, "valve1")))
        {
            return root;
        }

        throw new DirectoryNotFoundException($"{root}: not a SKAB checkout (no data/valve1 folder)");
    }

    /// <summary>Loads experiment <paramref name="name"/> (e.g. <c>valve1/0</c>).</summary>
    public static SkabExperiment Load(string dataFolder, string name)
    {
        var path = Path.Combine(dataFolder, name + ".csv");
        var table = NumericCsvReader.Read(
            path,
            new CsvColumnSelection(';', "datetime", null, ["anomaly", "changepoint"]),
            ["anomaly", "changepoint"]);
        return new SkabExperiment(
            name,
            [.. table.Times!.Select((t, i) => ParseTime(t, path, i))],
            table.Values,
            table.ColumnNames,
            [.. table.Extra["anomaly"].Select(v => v != 0 ? 1 : 0)],
            [.. table.Extra["changepoint"].Select(v => v != 0 ? 1 : 0)]);
    }

    /// <summary>Loads the anomaly-free recording's sensor rows.</summary>
    public static NumericTable LoadAnomalyFree(string dataFolder) => NumericCsvReader.Read(
        Path.Combine(dataFolder, "anomaly-free", "anomaly-free.csv"),
        new CsvColumnSelection(';', "datetime", null, null));

    private static long ParseTime(string text, string path, int row)
    {
        if (!DateTime.TryParseExact(text.Trim(), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw new FormatException($"{path}:{row + 2}: column 'datetime': '{text}' is not yyyy-MM-dd HH:mm:ss");
        }

        return time.Ticks / TimeSpan.TicksPerSecond;
    }
}
