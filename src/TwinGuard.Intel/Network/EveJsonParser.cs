using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace TwinGuard.Intel.Network;

/// <summary>Parses lines of Suricata's EVE JSON output; keeps <c>alert</c> and <c>flow</c> events.</summary>
/// <remarks>
/// Suricata user guide, "Eve JSON Format": every line is one JSON object with <c>timestamp</c> (ISO 8601 with a
/// <c>+0100</c>-style offset), <c>event_type</c>, <c>src_ip</c>, <c>src_port</c>, <c>dest_ip</c>, <c>dest_port</c>,
/// <c>proto</c>, <c>flow_id</c>, <c>app_proto</c>; alerts carry <c>alert.signature</c>, <c>alert.signature_id</c>,
/// <c>alert.severity</c>. Other event types (dns, http, tls, stats, ...) are well-formed but not kept.
/// </remarks>
public static class EveJsonParser
{
    /// <summary>Parses one line.</summary>
    /// <param name="line">One EVE record.</param>
    /// <param name="networkEvent">The event, or null for a well-formed record of another type.</param>
    /// <param name="error">Why the line is malformed.</param>
    /// <returns>False when the line is malformed.</returns>
    public static bool TryParse(string line, out NetworkEvent? networkEvent, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        networkEvent = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "not a JSON object";
                return false;
            }

            var type = Text(root, "event_type");
            if (type is null)
            {
                error = "no event_type";
                return false;
            }

            if (type is not ("alert" or "flow"))
            {
                error = null;
                return true;
            }

            if (!TryParseTime(Text(root, "timestamp"), out var time))
            {
                error = $"timestamp '{Text(root, "timestamp")}' is not ISO 8601";
                return false;
            }

            if (!IPAddress.TryParse(Text(root, "src_ip"), out var source) || !IPAddress.TryParse(Text(root, "dest_ip"), out var destination))
            {
                error = $"src_ip '{Text(root, "src_ip")}' or dest_ip '{Text(root, "dest_ip")}' is not an address";
                return false;
            }

#pragma warning disable CA1308 // protocol names are conventionally lower case in Zeek and TwinGuard.
            var protocol = (Text(root, "proto") ?? "unknown").ToLowerInvariant();
#pragma warning restore CA1308
            var ev = new NetworkEvent(
                time, "suricata", type == "alert" ? NetworkEventKind.Alert : NetworkEventKind.Flow,
                source, Port(root, "src_port"), destination, Port(root, "dest_port"), protocol)
            {
                Service = Text(root, "app_proto"),
                FlowId = root.TryGetProperty("flow_id", out var flow) ? flow.GetRawText() : null,
            };
            if (type == "alert")
            {
                if (!root.TryGetProperty("alert", out var alert) || alert.ValueKind != JsonValueKind.Object)
                {
                    error = "alert event without an \"alert\" object";
                    return false;
                }

                ev = ev with
                {
                    Signature = Text(alert, "signature"),
                    // TryGetInt64/TryGetInt32 throw on a non-number (found by fuzzing: "severity":"scan"), so the kind first.
                    SignatureId = alert.TryGetProperty("signature_id", out var sid) && sid.ValueKind == JsonValueKind.Number && sid.TryGetInt64(out var id) ? id : null,
                    Severity = alert.TryGetProperty("severity", out var sev) && sev.ValueKind == JsonValueKind.Number && sev.TryGetInt32(out var s) ? s : null,
                };
            }

            networkEvent = ev;
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = $"not valid JSON: {ex.Message}";
            return false;
        }
    }

    /// <summary>Parses Suricata's timestamp, whose offset has no colon (<c>2024-03-01T10:00:00.123456+0100</c>).</summary>
    internal static bool TryParseTime(string? text, out DateTimeOffset time)
    {
        time = default;
        if (text is null)
        {
            return false;
        }

        if (text.Length > 5 && text[^5] is '+' or '-' && text[^4..].All(char.IsAsciiDigit))
        {
            text = string.Concat(text.AsSpan(0, text.Length - 2), ":", text.AsSpan(text.Length - 2));
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Port(JsonElement obj, string name) =>
        // TryGetInt32 throws on a non-number (found by fuzzing: an object where a port belongs), so the kind first.
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var port) && port is >= 0 and <= 65535 ? port : null;
}
