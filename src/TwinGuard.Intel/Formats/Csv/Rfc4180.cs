using System.Globalization;
using System.Text;

namespace TwinGuard.Intel.Formats.Csv;

/// <summary>
/// The one CSV record splitter of TwinGuard (RFC 4180 §2): indicator lists, the offline detector's inputs and outputs,
/// and calibration recordings all read and write fields through it.
/// </summary>
/// <remarks>
/// Fields may be enclosed in double quotes; a quote inside a quoted field is doubled (§2.7); a quoted field may span
/// lines (§2.6), which <see cref="TrySplit"/> reports so that the caller can append the next line. The delimiter is a
/// parameter because plant exports use ';' (decimal-comma locales) or tabs as often as ','.
/// </remarks>
public static class Rfc4180
{
    /// <summary>Splits one record.</summary>
    /// <param name="record">The record's text (several lines joined by '\n' when a quoted field spans them).</param>
    /// <param name="delimiter">The field delimiter.</param>
    /// <param name="fields">The fields, unquoted.</param>
    /// <param name="error">What is wrong with the record, or null.</param>
    /// <returns>True when the record is whole; false with no error when a quoted field continues on the next line.</returns>
    public static bool TrySplit(string record, char delimiter, out List<string> fields, out string? error)
    {
        ArgumentNullException.ThrowIfNull(record);
        fields = [];
        error = null;
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < record.Length && record[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= record.Length)
                    {
                        return false;
                    }

                    if (record[i] == '"')
                    {
                        if (i + 1 < record.Length && record[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(record[i++]);
                }

                if (i < record.Length && record[i] != delimiter)
                {
                    error = $"text after a closing quote in field {(fields.Count + 1).ToString(CultureInfo.InvariantCulture)} (column {(i + 1).ToString(CultureInfo.InvariantCulture)})";
                    return false;
                }
            }
            else
            {
                var end = record.IndexOf(delimiter, i);
                if (end < 0)
                {
                    end = record.Length;
                }

                field.Append(record, i, end - i);
                i = end;
            }

            fields.Add(field.ToString());
            if (i >= record.Length)
            {
                return true;
            }

            i++; // the delimiter
        }
    }

    /// <summary>Splits a record that must fit on one line; an error names <paramref name="file"/> and <paramref name="lineNumber"/>.</summary>
    /// <exception cref="InvalidDataException">The record is malformed or a quoted field is not closed on its line.</exception>
    public static List<string> Split(string line, char delimiter, string file, long lineNumber) =>
        TrySplit(line, delimiter, out var fields, out var error)
            ? fields
            : throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{file}:{lineNumber}: {error ?? "unterminated quoted field"}"));

    /// <summary>Quotes <paramref name="field"/> if it contains the delimiter, a quote or a line break (RFC 4180 §2.6).</summary>
    public static string Quote(string field, char delimiter)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.Contains(delimiter, StringComparison.Ordinal) || field.Contains('"', StringComparison.Ordinal) ||
            field.Contains('\n', StringComparison.Ordinal) || field.Contains('\r', StringComparison.Ordinal)
                ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
                : field;
    }
}
