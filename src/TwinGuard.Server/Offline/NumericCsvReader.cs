using TwinGuard.Intel.Formats.Csv;
using System.Globalization;
using TwinGuard.Detection;

namespace TwinGuard.Server.Offline;

/// <summary>Reads a numeric CSV file (header row, then one observation per line) into a <see cref="NumericTable"/>.</summary>
/// <remarks>
/// Every problem is reported with the file, the line and the column: a missing column, a cell that is not a finite
/// number (numbers are invariant culture, '.' decimal point), a row with the wrong number of fields, an empty file.
/// Nothing is skipped silently: a plant engineer must be able to trust that every row was scored.
/// </remarks>
internal static class NumericCsvReader
{
    public static NumericTable Read(string path, CsvColumnSelection selection, IReadOnlyList<string>? extraColumns = null)
    {
        ArgumentNullException.ThrowIfNull(selection);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: file not found", path);
        }

        using var reader = new StreamReader(path);
        return Read(reader, path, selection, extraColumns ?? []);
    }

    public static NumericTable Read(TextReader reader, string file, CsvColumnSelection selection,
        IReadOnlyList<string> extraColumns)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(selection);
        long lineNumber = 0;
        string? header;
        do
        {
            header = reader.ReadLine();
            lineNumber++;
        }
        while (header is not null && header.Trim().Length == 0);

        if (header is null)
        {
            throw new InvalidDataException($"{file}: the file is empty (no header row)");
        }

        header = header.TrimStart('\uFEFF');
        var delimiter = selection.Delimiter ?? Detect(header);
        var names = Rfc4180.Split(header, delimiter, file, lineNumber).Select(n => n.Trim()).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            if (!index.TryAdd(names[i], i))
            {
                throw new InvalidDataException($"{file}:{lineNumber}: column '{names[i]}' appears twice in the header");
            }
        }

        int Find(string name, string role) => index.TryGetValue(name, out var at)
            ? at
            : throw new InvalidDataException(
                $"{file}:{lineNumber}: {role} column '{name}' not found; the header has: {string.Join(", ", names)}");

        var timeIndex = selection.TimeColumn is null ? -1 : Find(selection.TimeColumn, "time");
        var extraIndex = extraColumns.Select(c => Find(c, "label")).ToArray();
        foreach (var excluded in selection.ExcludeColumns ?? [])
        {
            Find(excluded, "excluded");
        }

        int[] featureIndex;
        if (selection.Columns is { Count: > 0 } wanted)
        {
            featureIndex = [.. wanted.Select(c => Find(c, "feature"))];
        }
        else
        {
            var excluded = new HashSet<string>(selection.ExcludeColumns ?? [], StringComparer.Ordinal);
            featureIndex = [.. Enumerable.Range(0, names.Count)
                .Where(i => i != timeIndex && !extraIndex.Contains(i) && !excluded.Contains(names[i]))];
        }

        if (featureIndex.Length == 0)
        {
            throw new InvalidDataException($"{file}:{lineNumber}: no feature columns left to read");
        }

        var values = new List<double>();
        var times = timeIndex >= 0 ? new List<string>() : null;
        var extras = extraIndex.Select(_ => new List<double>()).ToArray();
        var rows = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var fields = Rfc4180.Split(line, delimiter, file, lineNumber);
            if (fields.Count != names.Count)
            {
                throw new InvalidDataException(
                    $"{file}:{lineNumber}: {fields.Count} fields, but the header has {names.Count}" +
                    (fields.Count == 1 && names.Count > 1 ? $" (is the delimiter '{delimiter}' right?)" : string.Empty));
            }

            foreach (var i in featureIndex)
            {
                values.Add(Parse(fields[i], file, lineNumber, names[i]));
            }

            for (var e = 0; e < extraIndex.Length; e++)
            {
                extras[e].Add(Parse(fields[extraIndex[e]], file, lineNumber, names[extraIndex[e]]));
            }

            times?.Add(fields[timeIndex]);
            rows++;
        }

        if (rows == 0)
        {
            throw new InvalidDataException($"{file}: no data rows after the header");
        }

        var extra = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var e = 0; e < extraIndex.Length; e++)
        {
            extra[extraColumns[e]] = [.. extras[e]];
        }

        return new NumericTable(
            file,
            [.. featureIndex.Select(i => names[i])],
            new FeatureMatrix([.. values], rows, featureIndex.Length),
            times,
            extra)
        {
            TimeColumnName = selection.TimeColumn,
        };
    }

    private static double Parse(string cell, string file, long line, string column)
    {
        var text = cell.Trim();
        if (text.Length == 0)
        {
            throw new FormatException($"{file}:{line}: column '{column}' is empty");
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"{file}:{line}: column '{column}': '{Shorten(text)}' is not a number");
        }

        if (!double.IsFinite(value))
        {
            throw new FormatException($"{file}:{line}: column '{column}': '{Shorten(text)}' is not a finite number");
        }

        return value;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static char Detect(string header)
    {
        foreach (var candidate in new[] { ',', ';', '\t' })
        {
            if (header.Contains(candidate, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        return ',';
    }
}
