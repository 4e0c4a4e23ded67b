using System.Security.Cryptography;

namespace TwinGuard.Twins.Plant;

/// <summary>
/// The verifier of a generated device secret (<c>twinguard device-secret</c>), as the plant model's <c>secret_hash</c>
/// holds it: <c>tgd-sha256$SALT_BASE64$HASH_BASE64</c>, one salted SHA-256 of the secret <c>tgd_</c> + 43 base64url
/// characters (<see cref="GeneratedSecret"/>).
/// </summary>
/// <remarks>
/// <para>Checking costs microseconds where a <see cref="PasswordHash"/> costs a full PBKDF2 (about 190 ms of CPU at
/// 600,000 iterations), and resists an offline search better: 2^256 random secrets instead of a dictionary of human
/// passwords. Only a presented password of the generated shape is hashed and compared; any other (a human password
/// above all) is refused without hashing, so no human password can ever be checked against this fast verifier.</para>
/// <para>Its own scheme name and its own plant model key keep the two apart: <c>password_hash</c> takes only
/// <c>pbkdf2-sha256</c> hashes, <c>secret_hash</c> only this.</para>
/// </remarks>
public sealed record DeviceSecretHash(byte[] Salt, byte[] Hash)
{
    /// <summary>What every generated device secret starts with.</summary>
    public const string SecretPrefix = "tgd_";

    /// <summary>The scheme name that starts the stored form.</summary>
    public const string Scheme = "tgd-sha256";

    /// <summary>Makes a new secret and its verifier: the secret is the only copy, to be shown once and given to the device.</summary>
    public static (string Secret, DeviceSecretHash Hash) Generate()
    {
        var secret = GeneratedSecret.New(SecretPrefix);
        var salt = RandomNumberGenerator.GetBytes(16);
        return (secret, new DeviceSecretHash(salt, GeneratedSecret.Digest(secret, salt)));
    }

    /// <summary>A verifier no secret is known to match: the broker checks an unknown user name against it when no device has a PBKDF2 hash.</summary>
    public static DeviceSecretHash Unmatchable() => new(RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(32));

    /// <summary>Parses the stored form.</summary>
    /// <exception cref="FormatException">The text is not in the stored form (a PBKDF2 hash says where it belongs).</exception>
    public static DeviceSecretHash Parse(string text)
    {
        var parts = text.Split('$');
        if (parts.Length != 3 || parts[0] != Scheme)
        {
            throw new FormatException(text.StartsWith("pbkdf2-", StringComparison.Ordinal)
                ? "a PBKDF2 password hash belongs in password_hash; secret_hash takes only a generated secret's 'tgd-sha256$SALT$HASH'"
                : $"expected '{Scheme}$SALT$HASH'");
        }

        try
        {
            var salt = Convert.FromBase64String(parts[1]);
            var hash = Convert.FromBase64String(parts[2]);
            return salt.Length >= 16 && hash.Length == 32
                ? new DeviceSecretHash(salt, hash)
                : throw new FormatException("salt must be at least 16 bytes and hash exactly 32 bytes");
        }
        catch (FormatException ex) when (ex.Message.Contains("Base-64", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException("salt and hash must be Base64");
        }
    }

    /// <summary>True when <paramref name="password"/> is the generated secret this verifies; false without hashing for any other shape.</summary>
    public bool Verify(string password) => GeneratedSecret.Matches(password, SecretPrefix, Salt, Hash);

    /// <inheritdoc />
    public override string ToString() => $"{Scheme}${Convert.ToBase64String(Salt)}${Convert.ToBase64String(Hash)}";
}
