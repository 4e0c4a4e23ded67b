using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// Which cited payloads a report leaves out: recorded files written before redaction hold the file whole, password
/// hashes included (docs/ledger-entries.md §Secrets), and reports leave the site. Such an entry is cited by its leaf
/// hash alone: its inclusion is still proven, its content is not shown.
/// </summary>
internal static class WithheldPayload
{
    /// <summary>True when the payload is a recorded file that still holds a secret, or is not the documented JSON.</summary>
    public static bool HoldsSecrets(LedgerEntryKind kind, ReadOnlySpan<byte> payload)
    {
        if (kind is not (LedgerEntryKind.ConfigChange or LedgerEntryKind.PlaybookChange))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(payload);
            using var json = JsonDocument.ParseValue(ref reader);
            var o = json.RootElement;
            return o.ValueKind != JsonValueKind.Object
                   || !o.TryGetProperty("redacted", out var redacted) || redacted.ValueKind != JsonValueKind.Number
                   || (o.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                       && SecretRedaction.Redact(content.GetString()!) is { Redacted: > 0 } again && again.Text != content.GetString());
        }
        catch (JsonException)
        {
            return true;
        }
    }
}
