using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TwinGuard.Twins.Findings;

/// <summary>
/// Cuts what a client chose (user names, client ids, payloads) to a bounded size for storage, keeping the whole item's
/// length and SHA-256 so that the stored evidence still identifies exactly what was received.
/// </summary>
/// <remarks>
/// The digest goes into the refusal's detail and the finding's message, and so into the ledger: anyone holding the
/// original can prove it is the one refused.
/// </remarks>
public static class EvidenceClip
{
    /// <summary>Characters kept of a user name, client id or topic.</summary>
    public const int MaxText = 128;

    /// <summary>Bytes kept of a refused payload.</summary>
    public const int MaxPayload = 1024;

    /// <summary>
    /// <paramref name="text"/> itself when it has at most <see cref="MaxText"/> characters; else its start followed by
    /// <c>…[N chars, sha256:HEX]</c> (the digest of its UTF-8 bytes).
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? Text(string? text) => Text(text, MaxText);

    /// <summary>As <see cref="Text(string?)"/>, keeping up to <paramref name="max"/> characters.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? Text(string? text, int max)
    {
        if (text is null || text.Length <= max)
        {
            return text;
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        return string.Create(CultureInfo.InvariantCulture, $"{text.AsSpan(0, max / 2)}…[{text.Length} chars, sha256:{digest}]");
    }

    /// <summary>
    /// The first <see cref="MaxPayload"/> bytes of <paramref name="payload"/>, and a note saying what was cut (its length
    /// and SHA-256), or null when it was kept whole.
    /// </summary>
    public static (ReadOnlyMemory<byte> Kept, string? Note) Payload(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length <= MaxPayload)
        {
            return (payload.ToArray(), null);
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(payload.Span));
        return (payload[..MaxPayload].ToArray(),
            string.Create(CultureInfo.InvariantCulture, $"payload of {payload.Length} bytes, sha256:{digest}, first {MaxPayload} kept"));
    }
}
