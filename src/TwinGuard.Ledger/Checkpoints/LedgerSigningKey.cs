using System.Security.Cryptography;
using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger.Checkpoints;

/// <summary>
/// The ECDSA P-256 key that signs checkpoints, kept as <c>signing-key.pem</c> (PKCS#8, mode 0600) beside its
/// public half <c>signing-key.pub.pem</c> in the ledger directory; created on first start.
/// </summary>
internal sealed class LedgerSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private LedgerSigningKey(ECDsa key)
    {
        _key = key;
        var publicOnly = ECDsa.Create(key.ExportParameters(false));
        PublicKey = LedgerPublicKey.FromKey(publicOnly);
    }

    public LedgerPublicKey PublicKey { get; }

    public static LedgerSigningKey LoadOrCreate(string directory)
    {
        var privatePath = Path.Combine(directory, LedgerFiles.PrivateKey);
        var publicPath = Path.Combine(directory, LedgerFiles.PublicKey);
        ECDsa key;
        if (File.Exists(privatePath))
        {
            key = ECDsa.Create();
            try
            {
                key.ImportFromPem(File.ReadAllText(privatePath));
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                key.Dispose();
                throw new InvalidDataException($"{privatePath}: not an ECDSA private key in PEM form: {ex.Message}", ex);
            }
        }
        else
        {
            key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            WriteNew(privatePath, PemEncoding.WriteString("PRIVATE KEY", key.ExportPkcs8PrivateKey()) + "\n", secret: true);
        }

        var signing = new LedgerSigningKey(key);
        if (!File.Exists(publicPath))
        {
            WriteNew(publicPath, signing.PublicKey.Pem, secret: false);
        }
        else if (LedgerPublicKey.Load(publicPath) is var stored && !stored.KeyId.AsSpan().SequenceEqual(signing.PublicKey.KeyId))
        {
            stored.Dispose();
            signing.Dispose();
            throw new InvalidDataException($"{publicPath} does not belong to the private key in {privatePath}");
        }
        else
        {
            stored.Dispose();
        }

        return signing;
    }

    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose()
    {
        _key.Dispose();
        PublicKey.Dispose();
    }

    /// <summary>Writes a file that did not exist, atomically (temp file, fsync, rename), private keys as 0600.</summary>
    private static void WriteNew(string path, string text, bool secret)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: false);
    }
}
