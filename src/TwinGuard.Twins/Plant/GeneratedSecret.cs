using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace TwinGuard.Twins.Plant;

/// <summary>
/// A machine-generated secret: 256 random bits in base64url behind a prefix that says what it opens (<c>tgk_ID_</c> for
/// an API key, <c>tgd_</c> for a device), kept only as a SHA-256 digest and compared in constant time.
/// </summary>
/// <remarks>
/// A fast hash is enough for a secret of that entropy: an attacker who holds the digest searches 2^256 values, not a
/// dictionary, so key stretching (PBKDF2) would add cost to every login and nothing to the search. That holds only for
/// a secret that was generated, never for one a person chose: <see cref="IsWellFormed"/> lets through only the
/// generated shape (prefix, exactly 43 canonical base64url characters), and callers check it before hashing.
/// </remarks>
public static class GeneratedSecret
{
    /// <summary>Random bytes in a secret: 256 bits.</summary>
    public const int RandomBytes = 32;

    /// <summary>Characters of the random part: 32 bytes in unpadded base64url.</summary>
    public const int RandomLength = 43;

    /// <summary>A fresh secret: <paramref name="prefix"/> followed by 256 random bits in base64url.</summary>
    public static string New(string prefix) => prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>True when <paramref name="text"/> is <paramref name="prefix"/> and the 43 base64url characters the encoder writes for 32 bytes.</summary>
    /// <remarks>
    /// RFC 4648 §5 alphabet only. 43 characters carry 258 bits: the last one's two low bits are unused and must be zero,
    /// so of the four spellings that decode alike only the encoder's is accepted (one secret, one spelling). Checked
    /// character by character, never by a decoder, which would throw on what an attacker sends.
    /// </remarks>
    public static bool IsWellFormed(ReadOnlySpan<char> text, string prefix)
    {
        if (text.Length != prefix.Length + RandomLength || !text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var random = text[prefix.Length..];
        foreach (var c in random)
        {
            if (Sextet(c) < 0)
            {
                return false;
            }
        }

        return (Sextet(random[^1]) & 0b11) == 0;
    }

    /// <summary>The 6-bit value of a base64url character (RFC 4648 §5), or -1.</summary>
    private static int Sextet(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        '_' => 63,
        _ => -1,
    };

    /// <summary>SHA-256 of <paramref name="salt"/> followed by the secret's UTF-8 bytes (an API key's salt is empty).</summary>
    public static byte[] Digest(string secret, ReadOnlySpan<byte> salt)
    {
        var text = Encoding.UTF8.GetBytes(secret);
        var input = new byte[salt.Length + text.Length];
        salt.CopyTo(input);
        text.CopyTo(input, salt.Length);
        return SHA256.HashData(input);
    }

    /// <summary>True when <paramref name="secret"/> is well formed with <paramref name="prefix"/> and its digest is <paramref name="digest"/>; constant-time in the digest.</summary>
    public static bool Matches(string secret, string prefix, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> digest) =>
        IsWellFormed(secret, prefix) && CryptographicOperations.FixedTimeEquals(Digest(secret, salt), digest);
}
