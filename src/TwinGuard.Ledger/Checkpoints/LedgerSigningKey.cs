using System.Security.Cryptography;

namespace TwinGuard.Ledger.Checkpoints;

/// <summary>An ECDSA P-256 signing key kept as a PKCS#8 PEM file (mode 0600), created on first use.</summary>
internal sealed class LedgerSigningKey : ICheckpointSigner
{
    private readonly ECDsa _key;

    private LedgerSigningKey(ECDsa key)
    {
        _key = key;
        PublicKey = LedgerPublicKey.FromKey(ECDsa.Create(key.ExportParameters(false)));
    }

    public LedgerPublicKey PublicKey { get; }

    /// <summary>Loads the key in <paramref name="path"/>, creating it (0600, atomically) when absent.</summary>
    /// <exception cref="InvalidDataException">The file is not an ECDSA private key.</exception>
    public static LedgerSigningKey LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            KeyFiles.WriteNew(path, PemEncoding.WriteString("PRIVATE KEY", created.ExportPkcs8PrivateKey()) + "\n", secret: true);
            return new LedgerSigningKey(created);
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"{path}: not an ECDSA private key in PEM form: {ex.Message}", ex);
        }

        return new LedgerSigningKey(key);
    }

    public byte[] Sign(ReadOnlySpan<byte> message) =>
        _key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose()
    {
        _key.Dispose();
        PublicKey.Dispose();
    }
}
