using System.Text.Json;
using System.Text.Unicode;

namespace TwinGuard.Intel.Formats;

/// <summary>Parses a feed file's JSON, refusing bytes that are not UTF-8 before System.Text.Json sees them.</summary>
/// <remarks>
/// RFC 8259 §8.1: JSON exchanged between systems is UTF-8. <see cref="JsonDocument"/> checks the encoding of a string
/// only when it is read (<c>GetString</c>, a property's <c>Name</c>), where bad bytes surface as
/// <see cref="InvalidOperationException"/> rather than <see cref="JsonException"/>: a STIX bundle with one bad byte
/// inside a string escaped the reader that way (found by bench/fuzz.sh, test/TwinGuard.Fuzz/regressions/stix-bundle).
/// Checked once here, vectorised, like the gate's reading payloads.
/// </remarks>
internal static class FeedJson
{
    /// <summary>The document (the caller disposes it), or null with <paramref name="error"/> saying why.</summary>
    public static JsonDocument? TryParse(byte[] content, out string? error)
    {
        if (!Utf8.IsValid(content))
        {
            error = "not valid JSON: the file is not valid UTF-8 (RFC 8259 §8.1)";
            return null;
        }

        try
        {
            error = null;
            return JsonDocument.Parse(content);
        }
        catch (JsonException ex)
        {
            error = $"not valid JSON: {ex.Message}";
            return null;
        }
    }
}
