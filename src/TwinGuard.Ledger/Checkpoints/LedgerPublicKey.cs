using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using TwinGuard.Ledger.Notes;

namespace TwinGuard.Ledger.Checkpoints;

/// <summary>The public half of a ledger's signing key: all anyone needs to check checkpoints and proofs.</summary>
/// <remarks>
/// A key is also the log's c2sp.org/signed-note identity: its <see cref="Origin"/> (the checkpoint origin line and the
/// key name of its signature lines) and its <see cref="KeyHash"/> (signature type 0x02, ECDSA: the first four bytes of
/// SHA-256 of the DER SubjectPublicKeyInfo). <see cref="VerifierKey"/> writes both as one line.
/// </remarks>
public sealed class LedgerPublicKey : IDisposable
{
    /// <summary>c2sp.org/signed-note signature type of ECDSA signatures (as implemented by transparency-dev/witness).</summary>
    public const byte NoteSignatureType = 0x02;

    private readonly ECDsa _key;

    private LedgerPublicKey(ECDsa key, string? origin)
    {
        _key = key;
        var spki = key.ExportSubjectPublicKeyInfo();
        KeyId = SHA256.HashData(spki);
        KeyHash = BinaryPrimitives.ReadUInt32BigEndian(KeyId);
        Pem = PemEncoding.WriteString("PUBLIC KEY", spki) + "\n";
        Origin = origin ?? DefaultOrigin(KeyId);
        VerifierKey = Origin + "+" + KeyHash.ToString("x8", CultureInfo.InvariantCulture) + "+"
                      + Convert.ToBase64String([NoteSignatureType, .. spki]);
    }

    /// <summary>SHA-256 of the DER SubjectPublicKeyInfo; every checkpoint names the key that signed it by this.</summary>
    public byte[] KeyId { get; }

    /// <summary>The signed-note key ID: the first four bytes of <see cref="KeyId"/>, big-endian.</summary>
    public uint KeyHash { get; }

    /// <summary>The key as a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo), e.g. for <c>openssl</c>.</summary>
    public string Pem { get; }

    /// <summary>The checkpoint origin line and the name in the log's signature lines.</summary>
    /// <value><c>twinguard.ledger/</c> and the first 8 bytes of <see cref="KeyId"/> in hex, unless a verifier key names another.</value>
    public string Origin { get; }

    /// <summary>The c2sp.org/signed-note verifier key: <c>origin+keyhash+base64(0x02 || SPKI)</c>.</summary>
    public string VerifierKey { get; }

    /// <summary>The origin of a key that was not given one: <c>twinguard.ledger/&lt;16 hex digits of the key ID&gt;</c>.</summary>
    public static string DefaultOrigin(ReadOnlySpan<byte> keyId) => "twinguard.ledger/" + Convert.ToHexStringLower(keyId[..8]);

    /// <summary>Reads a PEM public key, or a signed-note verifier key line (<c>name+hash+base64</c>).</summary>
    /// <exception cref="InvalidDataException">The text is neither form of a P-256 public key.</exception>
    public static LedgerPublicKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        return trimmed.StartsWith("-----BEGIN", StringComparison.Ordinal) ? FromPem(trimmed) : FromVerifierKey(trimmed);
    }

    /// <summary>Reads a PEM public key.</summary>
    /// <exception cref="InvalidDataException">The text is not a P-256 public key.</exception>
    public static LedgerPublicKey FromPem(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"not an ECDSA public key in PEM form: {ex.Message}", ex);
        }

        return FromKey(key);
    }

    /// <summary>Reads a signed-note verifier key of type 0x02 (ECDSA P-256, DER SubjectPublicKeyInfo).</summary>
    /// <exception cref="InvalidDataException">Malformed, another signature type, or the key hash does not match.</exception>
    public static LedgerPublicKey FromVerifierKey(string vkey)
    {
        var parts = vkey.Split('+', 3);
        if (parts.Length != 3 || parts[0].Length == 0)
        {
            throw new InvalidDataException("a verifier key is \"<name>+<8 hex digits>+<base64 key>\"");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException("the verifier key's key is not base64", ex);
        }

        if (bytes.Length < 2 || bytes[0] != NoteSignatureType)
        {
            throw new InvalidDataException($"the verifier key is not of signature type 0x02 (ECDSA): {parts[0]}");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(bytes.AsSpan(1), out _);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new InvalidDataException($"the verifier key of {parts[0]} is not an ECDSA public key: {ex.Message}", ex);
        }

        var result = FromKey(key, parts[0]);
        if (!uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hash) || hash != result.KeyHash)
        {
            result.Dispose();
            throw new InvalidDataException($"the verifier key of {parts[0]} names key hash {parts[1]}, its key has another");
        }

        return result;
    }

    /// <summary>Reads a public key file: PEM or a verifier key line.</summary>
    /// <exception cref="InvalidDataException">The file does not hold a P-256 public key (message names the file).</exception>
    public static LedgerPublicKey Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    internal static LedgerPublicKey FromKey(ECDsa key, string? origin = null)
    {
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != "1.2.840.10045.3.1.7")
        {
            key.Dispose();
            throw new InvalidDataException("the ledger key must be ECDSA on curve P-256 (secp256r1)");
        }

        return new LedgerPublicKey(key, origin);
    }

    /// <summary>This key under another origin (the same key, another signed-note name).</summary>
    public LedgerPublicKey WithOrigin(string origin) =>
        new(ECDsa.Create(_key.ExportParameters(false)), origin);

    /// <summary>True when the checkpoint names this key and its signature over its signed bytes is valid.</summary>
    public bool Verify(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return checkpoint.KeyId.AsSpan().SequenceEqual(KeyId)
               && checkpoint.Signature.Length == Checkpoint.SignatureSize
               && VerifyP1363(checkpoint.SignedBytes(Origin), checkpoint.Signature);
    }

    /// <summary>True when <paramref name="signature"/> (r||s) is this key's signature of <paramref name="data"/>.</summary>
    public bool VerifyP1363(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        _key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>
    /// The checkpoint as a c2sp.org/tlog-checkpoint signed note with this key's signature line, when it is a version 2
    /// checkpoint (version 1 signatures cover the binary body, not a note: null).
    /// </summary>
    public SignedNote? ToNote(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Version != Checkpoint.NoteVersion)
        {
            return null;
        }

        var text = System.Text.Encoding.UTF8.GetString(checkpoint.NoteText(Origin));
        return new SignedNote(text, [new NoteSignature(Origin, KeyHash, EcdsaSignatureEncoding.ToDer(checkpoint.Signature))]);
    }

    /// <summary>True when <paramref name="signature"/> is this key's line (name and key hash) and verifies over the note text.</summary>
    public bool VerifyNoteSignature(string text, NoteSignature signature)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.Name != Origin || signature.KeyHash != KeyHash)
        {
            return false;
        }

        try
        {
            return VerifyP1363(System.Text.Encoding.UTF8.GetBytes(text), EcdsaSignatureEncoding.ToP1363(signature.Signature));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
