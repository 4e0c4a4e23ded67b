using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.SecureChannel;

/// <summary>
/// Message security for policies Basic256Sha256 and Aes128_Sha256_RsaOaep (OPC 10000-7, "SecurityPolicy –
/// Basic256Sha256" and "SecurityPolicy – Aes128-Sha256-RsaOaep"): asymmetric messages (OpenSecureChannel) signed with
/// RSA PKCS#1 v1.5 SHA-256 and encrypted with RSA-OAEP (SHA-1); symmetric messages signed with HMAC-SHA256 (derived
/// signing key 32 bytes) and, in mode SignAndEncrypt, encrypted with AES-CBC: AES-256 for Basic256Sha256, AES-128 for
/// Aes128_Sha256_RsaOaep (DerivedEncryptionKeyLength 256 or 128 bits); both derive keys with P_SHA256 from 32-byte
/// nonces (OPC 10000-6 §6.7.2.5, §6.7.5).
/// </summary>
/// <remarks>
/// Everything received is authenticated before it is read: a chunk whose signature does not verify, whose padding is
/// inconsistent, or whose length is not whole cipher blocks is refused (BadSecurityChecksFailed) and ends the channel.
/// </remarks>
internal sealed class ChannelCrypto : IDisposable
{
    private const int SymmetricSignatureSize = 32;
    private const int AesBlock = 16;
    // Written when a token is issued or renewed, read by the receive loop and by senders at the same time.
    private readonly ConcurrentDictionary<uint, (SymmetricKeys Client, SymmetricKeys Server)> _tokens = new();
    private readonly RSA _clientKey;
    private readonly RSA _serverKey;
    private readonly int _encryptingKeyLength;

    public ChannelCrypto(MessageSecurityMode mode, X509Certificate2 clientCertificate, byte[] serverCertificate, string policyUri = SecurityPolicies.Basic256Sha256)
    {
        _encryptingKeyLength = policyUri switch
        {
            SecurityPolicies.Basic256Sha256 => 32,
            SecurityPolicies.Aes128Sha256RsaOaep => 16,
            _ => throw new OpcUaException(StatusCodes.BadSecurityPolicyRejected, $"security policy {SecurityPolicies.ShortName(policyUri)} is not implemented"),
        };
        PolicyUri = policyUri;
        Mode = mode;
        ClientCertificate = clientCertificate;
        ClientCertificateDer = clientCertificate.RawData;
        ServerCertificateDer = serverCertificate;
        _clientKey = clientCertificate.GetRSAPrivateKey() ?? throw new OpcUaException(StatusCodes.BadCertificateInvalid, "the client certificate has no RSA private key");
        using var server = X509CertificateLoader.LoadCertificate(serverCertificate);
        _serverKey = server.GetRSAPublicKey() ?? throw new OpcUaException(StatusCodes.BadCertificateInvalid, "the server certificate has no RSA key");
        ServerThumbprint = SHA1.HashData(serverCertificate);
        ClientThumbprint = SHA1.HashData(ClientCertificateDer);
    }

    public MessageSecurityMode Mode { get; }

    /// <summary>The security policy URI (Basic256Sha256 or Aes128_Sha256_RsaOaep).</summary>
    public string PolicyUri { get; }

    public X509Certificate2 ClientCertificate { get; }

    public byte[] ClientCertificateDer { get; }

    public byte[] ServerCertificateDer { get; }

    /// <summary>SHA-1 of the server certificate: the receiver thumbprint of what the client sends (§6.7.2.3).</summary>
    public byte[] ServerThumbprint { get; }

    /// <summary>SHA-1 of the client certificate: what the server's OpenSecureChannel responses must name.</summary>
    public byte[] ClientThumbprint { get; }

    /// <summary>The client nonce of the OpenSecureChannel request in flight.</summary>
    public byte[] ClientNonce { get; private set; } = [];

    /// <summary>A fresh 32-byte nonce for the next OpenSecureChannel request (SecureChannelNonceLength 32 in both policies).</summary>
    public byte[] NewClientNonce() => ClientNonce = RandomNumberGenerator.GetBytes(32);

    /// <summary>Derives and keeps both sides' keys for <paramref name="tokenId"/> (§6.7.5).</summary>
    public void AddToken(uint tokenId, byte[] serverNonce)
    {
        if (serverNonce.Length != 32)
        {
            throw new OpcUaException(StatusCodes.BadNonceInvalid, $"the server nonce has {serverNonce.Length} bytes, {SecurityPolicies.ShortName(PolicyUri)} needs 32");
        }

        _tokens[tokenId] = (SymmetricKeys.Derive(serverNonce, ClientNonce, encryptingLength: _encryptingKeyLength),
            SymmetricKeys.Derive(ClientNonce, serverNonce, encryptingLength: _encryptingKeyLength));
        // Keep the current and the previous token only: the server may still use the previous one for a while.
        foreach (var old in _tokens.Keys.Where(k => k != tokenId).OrderByDescending(k => k).Skip(1).ToList())
        {
            _tokens.TryRemove(old, out _);
        }
    }

    /// <summary>Most body bytes one asymmetric chunk of <paramref name="chunkSize"/> bytes can carry after a header of <paramref name="headerSize"/>.</summary>
    public int AsymmetricCapacity(int chunkSize, int headerSize)
    {
        var cipherBlock = _serverKey.KeySize / 8;
        var plainBlock = cipherBlock - 42; // RSA-OAEP with SHA-1: k - 2·20 - 2
        return ((chunkSize - headerSize) / cipherBlock * plainBlock) - 8 - (_clientKey.KeySize / 8) - 2;
    }

    /// <summary>Most body bytes one symmetric chunk of <paramref name="chunkSize"/> bytes can carry after a header of <paramref name="headerSize"/>.</summary>
    public int SymmetricCapacity(int chunkSize, int headerSize) =>
        ((chunkSize - headerSize) / AesBlock * AesBlock) - 8 - SymmetricSignatureSize - 2;

    /// <summary>
    /// Secures an asymmetric chunk: <paramref name="chunk"/> holds the message header, channel id and security header
    /// (<paramref name="headerSize"/> bytes) then the sequence header and body. Returns the chunk to send.
    /// </summary>
    public byte[] ProtectAsymmetric(ReadOnlySpan<byte> chunk, int headerSize)
    {
        var cipherBlock = _serverKey.KeySize / 8;
        var plainBlock = cipherBlock - 42;
        var signatureSize = _clientKey.KeySize / 8;
        return Protect(chunk, headerSize, plainBlock, cipherBlock, signatureSize, encrypt: true,
            data => _clientKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            plain =>
            {
                var output = new byte[plain.Length / plainBlock * cipherBlock];
                for (var i = 0; i < plain.Length / plainBlock; i++)
                {
                    _serverKey.Encrypt(plain.Slice(i * plainBlock, plainBlock), output.AsSpan(i * cipherBlock, cipherBlock), RSAEncryptionPadding.OaepSHA1);
                }

                return output;
            });
    }

    /// <summary>Secures a symmetric chunk with the client keys of <paramref name="tokenId"/>.</summary>
    public byte[] ProtectSymmetric(uint tokenId, ReadOnlySpan<byte> chunk, int headerSize)
    {
        var keys = Keys(tokenId).Client;
        var encrypt = Mode == MessageSecurityMode.SignAndEncrypt;
        return Protect(chunk, headerSize, encrypt ? AesBlock : 1, encrypt ? AesBlock : 1, SymmetricSignatureSize, encrypt,
            data => HMACSHA256.HashData(keys.Signing, data),
            plain =>
            {
                using var aes = Aes.Create();
                aes.Key = keys.Encrypting;
                return aes.EncryptCbc(plain, keys.Iv, PaddingMode.None);
            });
    }

    // §6.7.2.5: | sequence header | body | PaddingSize | Padding | ExtraPaddingSize | Signature |; the padding makes
    // everything after the security header whole plaintext blocks; the signature covers the chunk from its first byte,
    // with the final (encrypted) MessageSize in its header.
    private static byte[] Protect(ReadOnlySpan<byte> chunk, int headerSize, int plainBlock, int cipherBlock, int signatureSize, bool encrypt,
        Func<byte[], byte[]> sign, EncryptBlocks encryptBlocks)
    {
        var content = chunk.Length - headerSize;
        var paddingTotal = 0;
        var extra = plainBlock > 256;
        if (encrypt)
        {
            var length = content + signatureSize + (extra ? 2 : 1);
            paddingTotal = (plainBlock - (length % plainBlock)) % plainBlock;
        }

        var plainLength = content + (encrypt ? paddingTotal + (extra ? 2 : 1) : 0) + signatureSize;
        var securedLength = encrypt ? plainLength / plainBlock * cipherBlock : plainLength;
        var signed = new byte[headerSize + plainLength - signatureSize];
        chunk.CopyTo(signed);
        if (encrypt)
        {
            var at = chunk.Length;
            var size = (byte)(paddingTotal % 256);
            signed.AsSpan(at, paddingTotal + 1).Fill(size);
            if (extra)
            {
                signed[at + paddingTotal + 1] = (byte)(paddingTotal / 256);
            }
        }

        BinaryPrimitives.WriteUInt32LittleEndian(signed.AsSpan(4), (uint)(headerSize + securedLength));
        var signature = sign(signed);
        var plain = new byte[plainLength];
        signed.AsSpan(headerSize).CopyTo(plain);
        signature.CopyTo(plain.AsSpan(plainLength - signatureSize));
        var secured = encrypt ? encryptBlocks(plain) : plain;
        return [.. signed.AsSpan(0, headerSize), .. secured];
    }

    private delegate byte[] EncryptBlocks(ReadOnlySpan<byte> plain);

    /// <summary>
    /// Checks and opens an asymmetric chunk from the server: <paramref name="chunk"/> is the whole chunk (header included),
    /// the secured part starting at <paramref name="headerSize"/>. Returns the sequence header and body.
    /// </summary>
    public byte[] UnprotectAsymmetric(ReadOnlySpan<byte> chunk, int headerSize)
    {
        var cipherBlock = _clientKey.KeySize / 8;
        var secured = chunk[headerSize..];
        if (secured.Length == 0 || secured.Length % cipherBlock != 0)
        {
            throw Refused($"an OpenSecureChannel response of {secured.Length} encrypted bytes is not whole {cipherBlock}-byte blocks");
        }

        var plain = new byte[secured.Length];
        var length = 0;
        try
        {
            for (var i = 0; i < secured.Length / cipherBlock; i++)
            {
                length += _clientKey.Decrypt(secured.Slice(i * cipherBlock, cipherBlock).ToArray(), RSAEncryptionPadding.OaepSHA1).CopyToReturning(plain.AsSpan(length));
            }
        }
        catch (CryptographicException)
        {
            throw Refused("an OpenSecureChannel response that does not decrypt with the client key");
        }

        var signatureSize = _serverKey.KeySize / 8;
        return Verify(chunk[..headerSize], plain.AsSpan(0, length), signatureSize, cipherBlock - 42 > 256, encrypted: true,
            (data, signature) => _serverKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>Checks and opens a symmetric chunk from the server under <paramref name="tokenId"/>.</summary>
    public byte[] UnprotectSymmetric(uint tokenId, ReadOnlySpan<byte> chunk, int headerSize)
    {
        var keys = Keys(tokenId).Server;
        var secured = chunk[headerSize..];
        var encrypted = Mode == MessageSecurityMode.SignAndEncrypt;
        byte[] plain;
        if (encrypted)
        {
            if (secured.Length == 0 || secured.Length % AesBlock != 0)
            {
                throw Refused($"a message of {secured.Length} encrypted bytes is not whole AES blocks");
            }

            using var aes = Aes.Create();
            aes.Key = keys.Encrypting;
            plain = aes.DecryptCbc(secured, keys.Iv, PaddingMode.None);
        }
        else
        {
            plain = secured.ToArray();
        }

        return Verify(chunk[..headerSize], plain, SymmetricSignatureSize, extraPadding: false, encrypted,
            (data, signature) => CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(keys.Signing, data), signature));
    }

    private static byte[] Verify(ReadOnlySpan<byte> header, ReadOnlySpan<byte> plain, int signatureSize, bool extraPadding, bool encrypted,
        Func<byte[], byte[], bool> verify)
    {
        if (plain.Length < signatureSize + 8 + (encrypted ? 1 : 0))
        {
            throw Refused($"a secured chunk of {plain.Length} bytes cannot hold a sequence header and a {signatureSize}-byte signature");
        }

        var signed = new byte[header.Length + plain.Length - signatureSize];
        header.CopyTo(signed);
        plain[..^signatureSize].CopyTo(signed.AsSpan(header.Length));
        if (!verify(signed, plain[^signatureSize..].ToArray()))
        {
            throw Refused("a chunk whose signature does not verify");
        }

        var content = plain[..^signatureSize];
        if (!encrypted)
        {
            return content.ToArray();
        }

        var padding = (int)content[^1];
        var sizeBytes = 1;
        if (extraPadding)
        {
            padding = (content[^1] << 8) | content[^2];
            sizeBytes = 2;
        }

        var paddingStart = content.Length - sizeBytes - padding;
        if (paddingStart < 8)
        {
            throw Refused($"padding of {padding} bytes longer than the chunk");
        }

        return content[..paddingStart].ToArray();
    }

    private (SymmetricKeys Client, SymmetricKeys Server) Keys(uint tokenId) =>
        _tokens.TryGetValue(tokenId, out var keys) ? keys
        : throw new OpcUaException(StatusCodes.BadSecureChannelTokenUnknown, $"no keys for token {tokenId}");

    private static OpcUaException Refused(string what) => new(StatusCodes.BadSecurityChecksFailed, $"refused {what}");

    /// <summary>RSA PKCS#1 v1.5 SHA-256 signature with the client key (CreateSession/ActivateSession signatures, OPC 10000-4 §5.6.3).</summary>
    public byte[] SignWithClientKey(byte[] data) => _clientKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    /// <summary>Checks a server signature over <paramref name="data"/> (OPC 10000-4 §5.6.2 ServerSignature).</summary>
    public bool VerifyServerSignature(byte[] data, byte[] signature) =>
        _serverKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public void Dispose()
    {
        _clientKey.Dispose();
        _serverKey.Dispose();
    }
}
