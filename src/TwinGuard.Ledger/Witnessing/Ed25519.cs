using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace TwinGuard.Ledger.Witnessing;

/// <summary>
/// Ed25519 (RFC 8032) through OpenSSL's libcrypto, which .NET 10 does not expose: witness cosignatures are Ed25519 by
/// c2sp.org/tlog-cosignature (signature type 0x04), and the ledger already binds libcrypto for SHA-256.
/// </summary>
/// <remarks>EVP_PKEY raw keys and one-shot EVP_DigestSign/Verify, OpenSSL 1.1.1 and later (docs: EVP_PKEY_new_raw_private_key(3)).</remarks>
internal static partial class Ed25519
{
    public const int KeySize = 32;
    public const int SignatureSize = 64;
    private const string LibCrypto = "libcrypto.so.3";
    private const int EvpPkeyEd25519 = 1087; // NID_ED25519

    /// <summary>PKCS#8 DER prefix of an Ed25519 private key (RFC 8410 §7), followed by the 32-byte seed.</summary>
    private static ReadOnlySpan<byte> Pkcs8Prefix => [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

    /// <summary>A new random 32-byte private key (seed).</summary>
    public static byte[] NewSeed() => RandomNumberGenerator.GetBytes(KeySize);

    public static byte[] PublicKey(ReadOnlySpan<byte> seed)
    {
        var key = LoadPrivate(seed);
        try
        {
            var result = new byte[KeySize];
            nuint length = KeySize;
            Check(EVP_PKEY_get_raw_public_key(key, ref MemoryMarshal.GetReference(result.AsSpan()), ref length) == 1 && length == KeySize,
                "EVP_PKEY_get_raw_public_key");
            return result;
        }
        finally
        {
            EVP_PKEY_free(key);
        }
    }

    /// <summary>The private key as a reusable OpenSSL key object.</summary>
    public static Ed25519KeyHandle PrivateKeyHandle(ReadOnlySpan<byte> seed)
    {
        var handle = new Ed25519KeyHandle();
        Marshal.InitHandle(handle, LoadPrivate(seed));
        return handle;
    }

    /// <summary>The public key as a reusable OpenSSL key object; null when OpenSSL does not take it.</summary>
    public static Ed25519KeyHandle? PublicKeyHandle(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != KeySize)
        {
            return null;
        }

        var key = EVP_PKEY_new_raw_public_key(EvpPkeyEd25519, 0, ref MemoryMarshal.GetReference(publicKey), KeySize);
        if (key == 0)
        {
            ERR_clear_error();
            return null;
        }

        var handle = new Ed25519KeyHandle();
        Marshal.InitHandle(handle, key);
        return handle;
    }

    public static byte[] Sign(Ed25519KeyHandle key, ReadOnlySpan<byte> message)
    {
        var context = EVP_MD_CTX_new();
        var added = false;
        try
        {
            key.DangerousAddRef(ref added);
            Check(context != 0, "EVP_MD_CTX_new");
            Check(EVP_DigestSignInit(context, 0, 0, 0, key.DangerousGetHandle()) == 1, "EVP_DigestSignInit");
            var signature = new byte[SignatureSize];
            nuint length = SignatureSize;
            Check(EVP_DigestSign(context, ref MemoryMarshal.GetReference(signature.AsSpan()), ref length,
                ref MemoryMarshal.GetReference(message), (nuint)message.Length) == 1 && length == SignatureSize, "EVP_DigestSign");
            return signature;
        }
        finally
        {
            EVP_MD_CTX_free(context);
            if (added)
            {
                key.DangerousRelease();
            }
        }
    }

    public static bool Verify(Ed25519KeyHandle key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureSize)
        {
            return false;
        }

        var context = EVP_MD_CTX_new();
        var added = false;
        try
        {
            key.DangerousAddRef(ref added);
            return context != 0
                   && EVP_DigestVerifyInit(context, 0, 0, 0, key.DangerousGetHandle()) == 1
                   && EVP_DigestVerify(context, ref MemoryMarshal.GetReference(signature), SignatureSize,
                       ref MemoryMarshal.GetReference(message), (nuint)message.Length) == 1;
        }
        finally
        {
            EVP_MD_CTX_free(context);
            if (added)
            {
                key.DangerousRelease();
            }

            ERR_clear_error();
        }
    }

    /// <summary>Frees a key object (<see cref="Ed25519KeyHandle"/>).</summary>
    internal static void Free(nint key) => EVP_PKEY_free(key);

    /// <summary>The seed as a PKCS#8 PEM "PRIVATE KEY" (readable by <c>openssl pkey</c>).</summary>
    public static string ToPem(ReadOnlySpan<byte> seed) => PemEncoding.WriteString("PRIVATE KEY", [.. Pkcs8Prefix, .. seed]) + "\n";

    /// <summary>The seed in a PKCS#8 PEM Ed25519 private key.</summary>
    /// <exception cref="InvalidDataException">Not an Ed25519 PKCS#8 PEM key.</exception>
    public static byte[] FromPem(string pem)
    {
        try
        {
            var fields = PemEncoding.Find(pem);
            var der = Convert.FromBase64String(pem[fields.Base64Data]);
            if (pem[fields.Label] == "PRIVATE KEY" && der.Length == Pkcs8Prefix.Length + KeySize && der.AsSpan(0, Pkcs8Prefix.Length).SequenceEqual(Pkcs8Prefix))
            {
                return der[Pkcs8Prefix.Length..];
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new InvalidDataException($"not an Ed25519 private key in PEM form: {ex.Message}", ex);
        }

        throw new InvalidDataException("not an Ed25519 private key in PKCS#8 PEM form");
    }

    private static nint LoadPrivate(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != KeySize)
        {
            throw new CryptographicException($"an Ed25519 private key is {KeySize} bytes");
        }

        var key = EVP_PKEY_new_raw_private_key(EvpPkeyEd25519, 0, ref MemoryMarshal.GetReference(seed), KeySize);
        Check(key != 0, "EVP_PKEY_new_raw_private_key");
        return key;
    }

    private static void Check(bool ok, string call)
    {
        if (!ok)
        {
            var error = ERR_get_error();
            throw new CryptographicException($"OpenSSL {call} failed (error 0x{error:x})");
        }
    }

    [LibraryImport(LibCrypto)]
    private static partial nint EVP_PKEY_new_raw_private_key(int type, nint engine, ref byte key, nuint length);

    [LibraryImport(LibCrypto)]
    private static partial nint EVP_PKEY_new_raw_public_key(int type, nint engine, ref byte key, nuint length);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_get_raw_public_key(nint key, ref byte publicKey, ref nuint length);

    [LibraryImport(LibCrypto)]
    private static partial void EVP_PKEY_free(nint key);

    [LibraryImport(LibCrypto)]
    private static partial nint EVP_MD_CTX_new();

    [LibraryImport(LibCrypto)]
    private static partial void EVP_MD_CTX_free(nint context);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_DigestSignInit(nint context, nint keyContext, nint digest, nint engine, nint key);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_DigestSign(nint context, ref byte signature, ref nuint signatureLength, ref byte message, nuint messageLength);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_DigestVerifyInit(nint context, nint keyContext, nint digest, nint engine, nint key);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_DigestVerify(nint context, ref byte signature, nuint signatureLength, ref byte message, nuint messageLength);

    [LibraryImport(LibCrypto)]
    private static partial ulong ERR_get_error();

    [LibraryImport(LibCrypto)]
    private static partial void ERR_clear_error();
}
