using System.Buffers.Binary;

namespace TwinGuard.Ledger.Storage;

/// <summary>
/// The layout of one entry record in a segment file (docs/ledger-format.md §Records). All integers big-endian.
/// </summary>
/// <remarks>
/// <code>
/// offset size field
///  0      1   0x00: the RFC 6962 §2.1 leaf prefix, so SHA-256 over bytes [0, 24+L) is the leaf hash
///  1      1   record version, 0x01
///  2      2   kind (LedgerEntryKind)
///  4      4   payload length L
///  8      8   entry index (0-based position in the log)
/// 16      8   timestamp, microseconds since 1970-01-01T00:00:00Z
/// 24      L   payload
/// 24+L    8   check: the first 8 bytes of the leaf hash
/// </code>
/// The leaf data d(i) of RFC 6962 is bytes [1, 24+L). The check lets a reader locate a damaged record exactly
/// without the checkpoints; the checkpoints' signed roots are what make tampering evident.
/// </remarks>
internal static class RecordFormat
{
    public const byte Version = 0x01;
    public const int HeaderSize = 24;
    public const int CheckSize = 8;
    public const int Overhead = HeaderSize + CheckSize;

    /// <summary>Payloads are capped so that a corrupt length field cannot make a reader allocate gigabytes.</summary>
    public const int MaxPayloadLength = 64 * 1024 * 1024;

    public static int RecordLength(int payloadLength) => Overhead + payloadLength;

    /// <summary>Writes the header and payload; the check is filled in when the record is hashed.</summary>
    public static void WriteUnhashed(Span<byte> record, LedgerEntryKind kind, long index, long timestampMicros,
        ReadOnlySpan<byte> payload)
    {
        record[0] = 0x00;
        record[1] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(record[2..], (ushort)kind);
        BinaryPrimitives.WriteInt32BigEndian(record[4..], payload.Length);
        BinaryPrimitives.WriteInt64BigEndian(record[8..], index);
        BinaryPrimitives.WriteInt64BigEndian(record[16..], timestampMicros);
        payload.CopyTo(record[HeaderSize..]);
    }

    /// <summary>Computes the leaf hash of a record (header and payload present) and stores its check bytes.</summary>
    public static void HashAndSeal(Span<byte> record, int payloadLength, Span<byte> leafHash)
    {
        var hashed = record[..(HeaderSize + payloadLength)];
        Merkle.Sha256.Hash(hashed, leafHash);
        leafHash[..CheckSize].CopyTo(record[(HeaderSize + payloadLength)..]);
    }

    public static long MicrosSinceEpoch(DateTimeOffset time) =>
        (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    public static DateTimeOffset FromMicros(long micros) =>
        DateTimeOffset.UnixEpoch.AddTicks(micros * TimeSpan.TicksPerMicrosecond);
}
