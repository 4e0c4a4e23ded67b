using System.Buffers.Binary;
using System.Globalization;

namespace TwinGuard.Ledger.Storage;

/// <summary>
/// Segment files: <c>segment-NNNNNNNNNNNNNNNNNNNN.tgl</c>, the number being the index of the first entry (20
/// digits), each starting with a 32-byte header followed by records (docs/ledger-format.md §Segments).
/// </summary>
/// <remarks>
/// <code>
/// offset size field
///  0      8   magic "TGLEDGER" (ASCII)
///  8      4   format version, 1
/// 12      4   header length, 32
/// 16      8   index of the first entry in this segment
/// 24      8   reserved, zero
/// </code>
/// </remarks>
internal static class SegmentFormat
{
    public const int HeaderSize = 32;
    public const int FormatVersion = 1;
    public const string Prefix = "segment-";
    public const string Extension = ".tgl";

    public static ReadOnlySpan<byte> Magic => "TGLEDGER"u8;

    public static string FileName(long firstIndex) =>
        Prefix + firstIndex.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    public static bool TryParseFileName(string fileName, out long firstIndex)
    {
        firstIndex = 0;
        return fileName.StartsWith(Prefix, StringComparison.Ordinal)
               && fileName.EndsWith(Extension, StringComparison.Ordinal)
               && fileName.Length == Prefix.Length + 20 + Extension.Length
               && long.TryParse(fileName.AsSpan(Prefix.Length, 20), NumberStyles.None, CultureInfo.InvariantCulture,
                   out firstIndex);
    }

    public static void WriteHeader(Span<byte> header, long firstIndex)
    {
        header[..HeaderSize].Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], HeaderSize);
        BinaryPrimitives.WriteInt64BigEndian(header[16..], firstIndex);
    }

    /// <summary>Null when the header is valid for a segment starting at <paramref name="firstIndex"/>, else why not.</summary>
    public static string? CheckHeader(ReadOnlySpan<byte> header, long firstIndex)
    {
        if (header.Length < HeaderSize)
        {
            return $"segment header is {header.Length} bytes, expected {HeaderSize}";
        }

        if (!header[..8].SequenceEqual(Magic))
        {
            return "segment header does not start with \"TGLEDGER\"";
        }

        var version = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        if (version != FormatVersion)
        {
            return $"segment format version {version}, expected {FormatVersion}";
        }

        if (BinaryPrimitives.ReadInt32BigEndian(header[12..]) != HeaderSize)
        {
            return $"segment header length field is not {HeaderSize}";
        }

        var first = BinaryPrimitives.ReadInt64BigEndian(header[16..]);
        if (first != firstIndex)
        {
            return $"segment header says first entry {first}, expected {firstIndex}";
        }

        return BinaryPrimitives.ReadInt64BigEndian(header[24..]) != 0 ? "segment header reserved field is not zero" : null;
    }
}
