using System.Security.Cryptography;

namespace TwinGuard.Ledger.Checkpoints;

/// <summary>The public half of a ledger's signing key: all anyone needs to check checkpoints and proofs.</summary>
public sealed class LedgerPublicKey : IDisposable
{
    private readonly ECDsa _key;

    private LedgerPublicKey(ECDsa key)
    {
        _key = key;
        var spki = key.ExportSubjectPublicKeyInfo();
        KeyId = SHA256.HashData(spki);
        Pem = PemEncoding.WriteString("PUBLIC KEY", spki) + "\n";
    }

    /// <summary>SHA-256 of the DER SubjectPublicKeyInfo; every checkpoint names the key that signed it by this.</summary>
    public byte[] KeyId { get; }

    /// <summary>The key as a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo), e.g. for <c>openssl</c>.</summary>
    public string Pem { get; }

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

    /// <summary>Reads a PEM public key file.</summary>
    /// <exception cref="InvalidDataException">The file does not hold a P-256 public key (message names the file).</exception>
    public static LedgerPublicKey Load(string path)
    {
        try
        {
            return FromPem(File.ReadAllText(path));
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    internal static LedgerPublicKey FromKey(ECDsa key)
    {
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != "1.2.840.10045.3.1.7")
        {
            key.Dispose();
            throw new InvalidDataException("the ledger key must be ECDSA on curve P-256 (secp256r1)");
        }

        return new LedgerPublicKey(key);
    }

    /// <summary>True when the checkpoint names this key and its signature over the signed bytes is valid.</summary>
    public bool Verify(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return checkpoint.KeyId.AsSpan().SequenceEqual(KeyId)
               && checkpoint.Signature.Length == Checkpoint.SignatureSize
               && _key.VerifyData(checkpoint.SignedBytes(), checkpoint.Signature, HashAlgorithmName.SHA256,
                   DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
