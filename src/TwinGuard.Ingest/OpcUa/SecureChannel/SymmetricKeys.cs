using System.Security.Cryptography;

namespace TwinGuard.Ingest.OpcUa.SecureChannel;

/// <summary>The keys one side uses for symmetric messages under one token (OPC 10000-6 §6.7.5).</summary>
/// <param name="Signing">HMAC-SHA256 key (32 bytes for Basic256Sha256).</param>
/// <param name="Encrypting">AES key: 32 bytes (AES-256) for Basic256Sha256, 16 (AES-128) for Aes128_Sha256_RsaOaep.</param>
/// <param name="Iv">AES-CBC initialisation vector (16 bytes).</param>
internal sealed record SymmetricKeys(byte[] Signing, byte[] Encrypting, byte[] Iv)
{
    /// <summary>
    /// Derives keys with P_SHA256 (RFC 5246 §5): A(0) = seed, A(i) = HMAC(secret, A(i-1)), output = HMAC(secret, A(1) ‖ seed) ‖
    /// HMAC(secret, A(2) ‖ seed) ‖ ...; cut into signing key, encrypting key and IV in that order (OPC 10000-6 §6.7.5).
    /// The client's keys use the server nonce as secret and the client nonce as seed; the server's the reverse.
    /// </summary>
    public static SymmetricKeys Derive(byte[] secret, byte[] seed, int signingLength = 32, int encryptingLength = 32, int ivLength = 16)
    {
        var total = signingLength + encryptingLength + ivLength;
        var output = new byte[total];
        var a = seed;
        var at = 0;
        while (at < total)
        {
            a = HMACSHA256.HashData(secret, a);
            byte[] input = [.. a, .. seed];
            var block = HMACSHA256.HashData(secret, input);
            var take = Math.Min(block.Length, total - at);
            block.AsSpan(0, take).CopyTo(output.AsSpan(at));
            at += take;
        }

        return new SymmetricKeys(output[..signingLength], output[signingLength..(signingLength + encryptingLength)], output[(signingLength + encryptingLength)..]);
    }
}
