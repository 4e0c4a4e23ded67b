using System.Globalization;
using System.Text;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Formats.Csv;

/// <summary>
/// Reads a CSV list of indicators: <c>type,value</c> and optional <c>first_seen,last_seen,valid_until,confidence,tags,targets,comment</c>.
/// </summary>
/// <remarks>
/// RFC 4180 quoting. A first line with fields named <c>type</c> and <c>value</c> is a header and may name the columns in any order;
/// without a header the columns are in the order above. Lines starting with <c>#</c> and blank lines are skipped.
/// Types: <c>ip</c> (also <c>ipv4</c>, <c>ipv6</c>, <c>cidr</c>, <c>ip-src</c>, <c>ip-dst</c>), <c>domain</c>,
/// <c>hostname</c>, <c>url</c>, <c>md5</c>, <c>sha1</c>, <c>sha256</c>. Tags and targets are separated by <c>;</c>.
/// Confidence is 0..1 or 0..100. See docs/intel.md.
/// </remarks>
public static class CsvIndicatorReader
{
    private static readonly string[] DefaultColumns =
        ["type", "value", "first_seen", "last_seen", "valid_until", "confidence", "tags", "targets", "comment"];

    /// <summary>Reads one CSV file.</summary>
    public static FeedContent Read(string feedId, string file, byte[] content)
    {
        var collector = new IndicatorCollector(feedId);
        Read(collector, file, content);
        return collector.ToContent();
    }

    /// <summary>The indicator type a CSV <c>type</c> field names, or null.</summary>
    public static IndicatorType? ParseType(string text) => text.Trim().ToUpperInvariant() switch
    {
        "IP" or "IPV4" or "IPV6" or "CIDR" or "IP-SRC" or "IP-DST" or "IPV4-ADDR" or "IPV6-ADDR" => IndicatorType.IPAddress,
        "DOMAIN" or "DOMAIN-NAME" => IndicatorType.Domain,
        "HOSTNAME" or "HOST" => IndicatorType.Hostname,
        "URL" => IndicatorType.Url,
        "MD5" => IndicatorType.Md5,
        "SHA1" or "SHA-1" => IndicatorType.Sha1,
        "SHA256" or "SHA-256" => IndicatorType.Sha256,
        _ => null,
    };

    internal static void Read(IndicatorCollector collector, string file, byte[] content)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(content);
        }
        catch (DecoderFallbackException ex)
        {
            collector.Issue(file, null, null, $"not UTF-8 text: {ex.Message}");
            return;
        }

        var columns = DefaultColumns;
        var lineNumber = 0;
        var first = true;
        using var reader = new StringReader(text.TrimStart('\uFEFF'));
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var startLine = lineNumber;
            if (line.Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var where = $"line {startLine.ToString(CultureInfo.InvariantCulture)}";
            List<string> fields;
            string? error;
            while (!Rfc4180.TrySplit(line, ',', out fields, out error) && error is null && reader.ReadLine() is { } more)
            {
                // A quoted field spans lines (RFC 4180 §2.6).
                lineNumber++;
                line += "\n" + more;
            }

            if (error is not null || fields is null)
            {
                collector.Issue(file, where, null, error ?? "unterminated quoted field");
                continue;
            }

            if (first)
            {
                first = false;
                var names = fields.Select(f => f.Trim().ToLowerInvariant()).ToArray();
                if (names.Contains("type") && names.Contains("value"))
                {
                    columns = names;
                    continue;
                }
            }

            ReadRow(collector, file, where, columns, fields);
        }
    }

    private static void ReadRow(IndicatorCollector collector, string file, string where, string[] columns, List<string> fields)
    {
        if (fields.Count > columns.Length)
        {
            collector.Issue(file, where, null, $"{fields.Count} fields but only {columns.Length} columns");
            return;
        }

        var row = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Count; i++)
        {
            row[columns[i]] = fields[i].Trim();
        }

        if (!row.TryGetValue("type", out var typeText) || typeText.Length == 0)
        {
            collector.Issue(file, where, "type", "missing");
            return;
        }

        if (ParseType(typeText) is not { } type)
        {
            collector.Issue(file, where, "type", $"'{typeText}' is not one of ip, domain, hostname, url, md5, sha1, sha256");
            return;
        }

        if (!row.TryGetValue("value", out var value) || value.Length == 0)
        {
            collector.Issue(file, where, "value", "missing");
            return;
        }

        DateTimeOffset? firstSeen = null, lastSeen = null, validUntil = null;
        foreach (var (name, assign) in new (string, Action<DateTimeOffset?>)[]
                 {
                     ("first_seen", t => firstSeen = t), ("last_seen", t => lastSeen = t), ("valid_until", t => validUntil = t),
                 })
        {
            if (row.TryGetValue(name, out var timeText) && timeText.Length > 0)
            {
                if (!FeedTime.TryParse(timeText, out var time))
                {
                    collector.Issue(file, where, name, $"'{timeText}' is not a time (ISO 8601 or Unix seconds)");
                    return;
                }

                assign(time);
            }
        }

        var confidence = 1.0;
        if (row.TryGetValue("confidence", out var confidenceText) && confidenceText.Length > 0)
        {
            if (!double.TryParse(confidenceText, NumberStyles.Float, CultureInfo.InvariantCulture, out confidence)
                || confidence is < 0 or > 100 || double.IsNaN(confidence))
            {
                collector.Issue(file, where, "confidence", $"'{confidenceText}' is not a confidence 0..1 or 0..100");
                return;
            }

            confidence = confidence > 1 ? confidence / 100 : confidence;
        }

        collector.TryAdd(type, value, file, where, "value", indicator => indicator with
        {
            FirstSeen = firstSeen,
            LastSeen = lastSeen,
            ValidUntil = validUntil,
            Confidence = confidence,
            Tags = List(row, "tags"),
            Targets = List(row, "targets"),
            Description = row.GetValueOrDefault("comment") is { Length: > 0 } comment ? comment : null,
        });
    }

    private static string[] List(Dictionary<string, string> row, string column) =>
        row.TryGetValue(column, out var text)
            ? text.Split([';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
}
