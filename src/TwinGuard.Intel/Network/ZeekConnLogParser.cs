using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace TwinGuard.Intel.Network;

/// <summary>Parses Zeek <c>conn.log</c> and <c>notice.log</c> lines, in the TSV format (with its <c>#fields</c> header) or as JSON.</summary>
/// <remarks>
/// Zeek documentation, "Logs: conn.log" and "Zeek ASCII log format": header lines start with <c>#</c>
/// (<c>#separator \x09</c>, <c>#unset_field -</c>, <c>#fields ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto
/// service ...</c>); <c>ts</c> is Unix seconds (or ISO 8601 with <c>LogAscii::json_timestamps</c>). A parser
/// instance remembers the last header it saw, so one instance per file. A record with a <c>note</c> field is a notice
/// (Zeek documentation, "notice.log"): an alert whose signature is <c>note: msg</c>, between <c>id.orig_h</c> and
/// <c>id.resp_h</c>, or <c>src</c> and <c>dst</c> for notices without a connection (a scan has only <c>src</c>).
/// Zeek gives notices no severity: they are medium.
/// </remarks>
public sealed class ZeekConnLogParser
{
    private string[]? _fields;
    private char _separator = '\t';
    private string _unset = "-";

    /// <summary>Parses one line.</summary>
    /// <param name="line">A header, a TSV record or a JSON record.</param>
    /// <param name="networkEvent">The connection, or null for a header line.</param>
    /// <param name="error">Why the line is malformed.</param>
    /// <returns>False when the line is malformed.</returns>
    public bool TryParse(string line, out NetworkEvent? networkEvent, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        networkEvent = null;
        error = null;
        if (line.StartsWith('#'))
        {
            ReadHeader(line);
            return true;
        }

        if (line.StartsWith('{'))
        {
            return TryParseJson(line, out networkEvent, out error);
        }

        if (_fields is null)
        {
            error = "a TSV record before the #fields header";
            return false;
        }

        var values = line.Split(_separator);
        if (values.Length != _fields.Length)
        {
            error = $"{values.Length} fields but the #fields header names {_fields.Length}";
            return false;
        }

        var record = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] != _unset)
            {
                record[_fields[i]] = values[i];
            }
        }

        return TryBuild(record.GetValueOrDefault, out networkEvent, out error);
    }

    private void ReadHeader(string line)
    {
        var space = line.IndexOfAny([' ', '\t']);
        var key = space < 0 ? line : line[..space];
        var rest = space < 0 ? string.Empty : line[(space + 1)..];
        switch (key)
        {
            case "#separator":
                // The separator is written escaped, e.g. "\x09".
                _separator = rest.StartsWith("\\x", StringComparison.Ordinal)
                    && int.TryParse(rest.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code)
                    ? (char)code
                    : rest.FirstOrDefault('\t');
                break;
            case "#unset_field":
                _unset = rest.Split(_separator)[0];
                break;
            case "#fields":
                _fields = rest.Split(_separator);
                break;
            default:
                break;
        }
    }

    private static bool TryParseJson(string line, out NetworkEvent? networkEvent, out string? error)
    {
        networkEvent = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "not a JSON object";
                return false;
            }

            var record = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                record[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }

            return TryBuild(record.GetValueOrDefault, out networkEvent, out error);
        }
        catch (JsonException ex)
        {
            error = $"not valid JSON: {ex.Message}";
            return false;
        }
    }

    // The last second DateTimeOffset can hold (9999-12-31): a larger epoch time overflowed AddTicks (found by fuzzing).
    private static readonly double MaxEpochSeconds = (DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).TotalSeconds;

    private static bool TryBuild(Func<string, string?> field, out NetworkEvent? networkEvent, out string? error)
    {
        networkEvent = null;
        var ts = field("ts");
        DateTimeOffset time;
        if (double.TryParse(ts, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds >= 0
            && seconds < MaxEpochSeconds)
        {
            time = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        }
        else if (ts is null || !DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time))
        {
            error = $"ts '{ts}' is not a time";
            return false;
        }

        var note = field("note");
        var originText = field("id.orig_h") ?? (note is null ? null : field("src"));
        var responderText = field("id.resp_h") ?? (note is null ? null : field("dst") ?? originText);
        if (!IPAddress.TryParse(originText, out var origin) || !IPAddress.TryParse(responderText, out var responder))
        {
            error = $"id.orig_h '{originText}' or id.resp_h '{responderText}' is not an address";
            return false;
        }

        networkEvent = new NetworkEvent(
            time, "zeek", note is null ? NetworkEventKind.Connection : NetworkEventKind.Alert,
            origin, Port(field("id.orig_p") ?? field("p")), responder, Port(field("id.resp_p")), field("proto") ?? "unknown")
        {
            Service = field("service"),
            FlowId = field("uid"),
            Signature = note is null ? null : $"{note}: {field("msg")}",
            Severity = note is null ? null : 2,
        };
        error = null;
        return true;
    }

    private static int? Port(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 ? port : null;
}
