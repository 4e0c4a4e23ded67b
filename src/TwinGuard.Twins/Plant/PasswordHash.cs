using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TwinGuard.Twins.Plant;

/// <summary>A salted password hash: <c>pbkdf2-sha256$ITERATIONS$SALT_BASE64$HASH_BASE64</c>.</summary>
/// <remarks>
/// PBKDF2 with HMAC-SHA-256 (RFC 8018 §5.2; iteration count per OWASP's password storage guidance). Verification is
/// constant-time so that a failed login does not reveal how many bytes matched. Hashing costs tens of milliseconds by
/// design, which is why it happens once per connection, never per message.
/// </remarks>
public sealed record PasswordHash(int Iterations, byte[] Salt, byte[] Hash)
{
    private const string Scheme = "pbkdf2-sha256";

    /// <summary>The iteration count for new hashes: OWASP's Password Storage Cheat Sheet for PBKDF2-HMAC-SHA256 (2023).</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>True when the hash was made with fewer iterations than <see cref="DefaultIterations"/>: still accepted, reported weak.</summary>
    public bool IsWeak => Iterations < DefaultIterations;

    /// <summary>Hashes a password with a fresh random salt.</summary>
    public static PasswordHash Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return new PasswordHash(iterations, salt, Derive(password, salt, iterations));
    }

    /// <summary>
    /// A hash no password is known to match, at <paramref name="iterations"/>: verifying against it costs exactly what a
    /// real hash of that count costs (the derivation runs in full) and fails, so an unknown user name answers as slowly
    /// as a wrong password.
    /// </summary>
    /// <remarks>
    /// Random bytes in place of a derived hash: deriving one would cost a full PBKDF2 for nothing (at start-up, before
    /// the first device can log in), and a random 256-bit value is matched by a password with probability 2^-256, the
    /// same as the hash of a random password nobody knows.
    /// </remarks>
    public static PasswordHash Unmatchable(int iterations) =>
        new(iterations, RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(32));

    /// <summary>Parses the stored form.</summary>
    /// <exception cref="FormatException">The text is not in the stored form.</exception>
    public static PasswordHash Parse(string text)
    {
        var parts = text.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme)
        {
            throw new FormatException(text.StartsWith(DeviceSecretHash.Scheme + "$", StringComparison.Ordinal)
                ? "a generated secret's hash belongs in secret_hash; password_hash takes only 'pbkdf2-sha256$ITERATIONS$SALT$HASH'"
                : $"expected '{Scheme}$ITERATIONS$SALT$HASH'");
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1000)
        {
            throw new FormatException("iterations must be an integer of at least 1000");
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var hash = Convert.FromBase64String(parts[3]);
            if (salt.Length < 8 || hash.Length != 32)
            {
                throw new FormatException("salt must be at least 8 bytes and hash exactly 32 bytes");
            }

            return new PasswordHash(iterations, salt, hash);
        }
        catch (FormatException ex) when (ex.Message.Contains("Base-64", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException("salt and hash must be Base64");
        }
    }

    /// <summary>True when <paramref name="password"/> is the one hashed.</summary>
    public bool Verify(string password) =>
        CryptographicOperations.FixedTimeEquals(Derive(password, Salt, Iterations), Hash);

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Scheme}${Iterations}${Convert.ToBase64String(Salt)}${Convert.ToBase64String(Hash)}");

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
}
