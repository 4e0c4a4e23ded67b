using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Api;

/// <summary>
/// The payload of a recorded configuration or playbook file as the API may show it: ledgers written before redaction
/// hold the whole file, password hashes included, and the API never returns those.
/// </summary>
internal static class RecordedFilePayload
{
    /// <summary>The payload with any secret in a recorded file's <c>content</c> redacted, and whether anything was.</summary>
    public static (byte[] Payload, bool Redacted) WithoutSecrets(LedgerEntry entry)
    {
        var payload = entry.Payload.ToArray();
        if (entry.Kind is not (LedgerEntryKind.ConfigChange or LedgerEntryKind.PlaybookChange))
        {
            return (payload, false);
        }

        try
        {
            using var json = JsonDocument.Parse(payload);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            {
                return (payload, false);
            }

            var (text, count) = SecretRedaction.Redact(content.GetString()!);
            if (count == 0 || text == content.GetString())
            {
                return (payload, false);
            }

            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (var property in json.RootElement.EnumerateObject())
                {
                    if (property.NameEquals("content"))
                    {
                        writer.WriteString("content", text);
                    }
                    else
                    {
                        property.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
            }

            return (buffer.ToArray(), true);
        }
        catch (JsonException)
        {
            return ([], true); // not the documented JSON: show nothing rather than something that might hold a secret
        }
    }
}
