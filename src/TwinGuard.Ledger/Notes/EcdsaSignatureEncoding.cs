using System.Formats.Asn1;
using System.Numerics;

namespace TwinGuard.Ledger.Notes;

/// <summary>
/// Converts ECDSA P-256 signatures between IEEE P1363 (<c>r || s</c>, 64 bytes, as stored in <c>checkpoints.tgc</c>)
/// and DER <c>ECDSA-Sig-Value</c> (RFC 3279 §2.2.3, as in c2sp.org/signed-note type 0x02 lines and OpenSSL output).
/// </summary>
internal static class EcdsaSignatureEncoding
{
    private const int FieldSize = 32;

    public static byte[] ToDer(ReadOnlySpan<byte> p1363)
    {
        if (p1363.Length != 2 * FieldSize)
        {
            throw new FormatException($"a P-256 signature r||s is {2 * FieldSize} bytes, got {p1363.Length}");
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(p1363[..FieldSize], isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new BigInteger(p1363[FieldSize..], isUnsigned: true, isBigEndian: true));
        }

        return writer.Encode();
    }

    /// <summary>Accepts DER or an already fixed-size r||s; returns r||s.</summary>
    /// <exception cref="FormatException">Neither form, or integers out of range.</exception>
    public static byte[] ToP1363(ReadOnlySpan<byte> signature)
    {
        if (signature.Length == 2 * FieldSize && signature[0] != 0x30)
        {
            return signature.ToArray();
        }

        try
        {
            var reader = new AsnReader(signature.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var r = sequence.ReadInteger();
            var s = sequence.ReadInteger();
            sequence.ThrowIfNotEmpty();
            reader.ThrowIfNotEmpty();
            var result = new byte[2 * FieldSize];
            Write(r, result.AsSpan(0, FieldSize));
            Write(s, result.AsSpan(FieldSize, FieldSize));
            return result;
        }
        catch (AsnContentException ex)
        {
            throw new FormatException($"not a DER ECDSA signature: {ex.Message}", ex);
        }
    }

    private static void Write(BigInteger value, Span<byte> destination)
    {
        if (value.Sign <= 0 || value.GetByteCount(isUnsigned: true) > FieldSize)
        {
            throw new FormatException("an ECDSA signature integer is out of range for P-256");
        }

        var length = value.GetByteCount(isUnsigned: true);
        destination.Clear();
        value.TryWriteBytes(destination[(FieldSize - length)..], out _, isUnsigned: true, isBigEndian: true);
    }
}
