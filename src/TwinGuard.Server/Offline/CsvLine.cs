using System.Text;

namespace TwinGuard.Server.Offline;

/// <summary>Splits one CSV record into fields.</summary>
/// <remarks>
/// RFC 4180 §2: fields may be enclosed in double quotes; a quote inside a quoted field is doubled. The delimiter is a
/// parameter because plant exports use ';' (decimal-comma locales) or tabs as often as ','. Records spanning several
/// lines are not supported: sensor exports do not contain them, and a clear error beats a silent misparse.
/// </remarks>
internal static class CsvLine
{
    public static List<string> Split(string line, char delimiter, string file, long lineNumber)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        while (true)
        {
            current.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new InvalidDataException($"{file}:{lineNumber}: unterminated quoted field");
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            current.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    current.Append(line[i++]);
                }

                if (i < line.Length && line[i] != delimiter)
                {
                    throw new InvalidDataException(
                        $"{file}:{lineNumber}: text after a closing quote in field {fields.Count + 1}");
                }
            }
            else
            {
                var end = line.IndexOf(delimiter, i);
                if (end < 0)
                {
                    end = line.Length;
                }

                current.Append(line, i, end - i);
                i = end;
            }

            fields.Add(current.ToString());
            if (i >= line.Length)
            {
                return fields;
            }

            i++; // the delimiter
        }
    }

    /// <summary>Quotes <paramref name="field"/> if it contains the delimiter, a quote or a line break (RFC 4180 §2.6).</summary>
    public static string Quote(string field, char delimiter) =>
        field.Contains(delimiter, StringComparison.Ordinal) || field.Contains('"', StringComparison.Ordinal) ||
        field.Contains('\n', StringComparison.Ordinal) || field.Contains('\r', StringComparison.Ordinal)
            ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : field;
}
