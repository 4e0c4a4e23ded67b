using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TwinGuard.Ledger.Notes;

namespace TwinGuard.Ledger.Witnessing;

/// <summary>A witness's name and Ed25519 public key: what a verifier trusts a cosignature by.</summary>
/// <remarks>
/// c2sp.org/tlog-cosignature (cosignature/v1, signature type 0x04): key ID = SHA-256(name || 0x0A || 0x04 || key)[:4];
/// the signature is an 8-byte big-endian POSIX timestamp and an Ed25519 signature over
/// <c>"cosignature/v1\ntime &lt;timestamp&gt;\n" || checkpoint note text</c>.
/// </remarks>
public sealed class WitnessPublicKey
{
    /// <summary>c2sp.org/signed-note signature type of Ed25519 cosignatures.</summary>
    public const byte SignatureType = 0x04;

    private Ed25519KeyHandle? _handle;

    internal WitnessPublicKey(string name, byte[] key)
    {
        if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || c == '+'))
        {
            throw new InvalidDataException($"\"{name}\" is not a key name (no spaces, no plus)");
        }

        Name = name;
        Key = key;
        var hashInput = new byte[Encoding.UTF8.GetByteCount(name) + 2 + key.Length];
        var n = Encoding.UTF8.GetBytes(name, hashInput);
        hashInput[n] = (byte)'\n';
        hashInput[n + 1] = SignatureType;
        key.CopyTo(hashInput, n + 2);
        KeyHash = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(hashInput));
        VerifierKey = name + "+" + KeyHash.ToString("x8", CultureInfo.InvariantCulture) + "+" + Convert.ToBase64String([SignatureType, .. key]);
    }

    /// <summary>The witness's key name.</summary>
    public string Name { get; }

    /// <summary>The 32-byte Ed25519 public key.</summary>
    public byte[] Key { get; }

    /// <summary>The signed-note key ID of its cosignatures.</summary>
    public uint KeyHash { get; }

    /// <summary>The verifier key line: <c>name+hash+base64(0x04 || key)</c>.</summary>
    public string VerifierKey { get; }

    /// <summary>Reads a verifier key line of type 0x04, or a file holding one.</summary>
    /// <exception cref="InvalidDataException">Malformed, another type, or a key hash that does not match.</exception>
    public static WitnessPublicKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var vkey = text.Trim();
        if (!vkey.Contains('+', StringComparison.Ordinal) && File.Exists(vkey))
        {
            vkey = File.ReadAllText(vkey).Trim();
        }

        var parts = vkey.Split('+', 3);
        if (parts.Length != 3)
        {
            throw new InvalidDataException($"a witness key is \"<name>+<8 hex digits>+<base64 key>\" or a file holding one: {Shorten(text)}");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"the witness key of {parts[0]} is not base64", ex);
        }

        if (bytes.Length != 1 + Ed25519.KeySize || bytes[0] != SignatureType)
        {
            throw new InvalidDataException($"the witness key of {parts[0]} is not an Ed25519 cosignature key (type 0x04)");
        }

        var key = new WitnessPublicKey(parts[0], bytes[1..]);
        if (!uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hash) || hash != key.KeyHash)
        {
            throw new InvalidDataException($"the witness key of {parts[0]} names key hash {parts[1]}, its key has {key.KeyHash:x8}");
        }

        return key;
    }

    /// <summary>The message a cosignature signs (c2sp.org/tlog-cosignature §Ed25519 signed message).</summary>
    public static byte[] SignedMessage(ulong timestamp, string noteText) =>
        Encoding.UTF8.GetBytes("cosignature/v1\ntime " + timestamp.ToString(CultureInfo.InvariantCulture) + "\n" + noteText);

    /// <summary>True when <paramref name="signature"/> is this witness's (name and key ID) and verifies over the note text.</summary>
    public bool Verify(string noteText, NoteSignature signature, out ulong timestamp)
    {
        ArgumentNullException.ThrowIfNull(signature);
        timestamp = 0;
        if (signature.Name != Name || signature.KeyHash != KeyHash || signature.Signature.Length != 8 + Ed25519.SignatureSize)
        {
            return false;
        }

        timestamp = BinaryPrimitives.ReadUInt64BigEndian(signature.Signature);
        return timestamp <= long.MaxValue
               && Handle() is { } key && Ed25519.Verify(key, SignedMessage(timestamp, noteText), signature.Signature.AsSpan(8));
    }

    /// <summary>The key as an OpenSSL key object, made at the first verification and kept (freed with this object).</summary>
    private Ed25519KeyHandle? Handle()
    {
        if (Volatile.Read(ref _handle) is { } made)
        {
            return made;
        }

        var handle = Ed25519.PublicKeyHandle(Key);
        if (handle is not null && Interlocked.CompareExchange(ref _handle, handle, null) is { } other)
        {
            handle.Dispose();
            return other;
        }

        return handle;
    }

    /// <summary>
    /// The bytes a message signature covers: a context line (<c>twinguard-peer-message/v1</c>, so that no message
    /// signature can pass for a cosignature, whose signed text starts <c>cosignature/v1</c>) and the message.
    /// </summary>
    public static byte[] MessageToSign(ReadOnlySpan<byte> message) => [.. "twinguard-peer-message/v1\n"u8, .. message];

    /// <summary>True when <paramref name="signature"/> is this key's Ed25519 signature over <see cref="MessageToSign"/> of <paramref name="message"/>.</summary>
    public bool VerifyMessage(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == Ed25519.SignatureSize && Handle() is { } key && Ed25519.Verify(key, MessageToSign(message), signature);

    /// <summary>True when the line claims to be this witness's (same name and key ID), valid or not.</summary>
    public bool Claims(NoteSignature signature) => signature.Name == Name && signature.KeyHash == KeyHash;

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
