using System.Buffers.Binary;

namespace TwinGuard.Ledger.Tests;

/// <summary>
/// A deliberately separate reading of docs/ledger-format.md (not the library's scanner), so tests can find and
/// damage records exactly where the format says they are.
/// </summary>
internal static class SegmentLayout
{
    public static List<string> Segments(string directory) =>
        Directory.GetFiles(directory, "segment-*.tgl").Order(StringComparer.Ordinal).ToList();

    public static List<RecordLocation> Records(string directory)
    {
        var result = new List<RecordLocation>();
        foreach (var path in Segments(directory))
        {
            var bytes = File.ReadAllBytes(path);
            var offset = 32;
            // docs/ledger-format.md §Segments: the records end where only zeros (reserved space) are left.
            while (offset + 24 <= bytes.Length && bytes.AsSpan(offset).ContainsAnyExcept((byte)0))
            {
                var length = 32 + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset + 4));
                var index = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(offset + 8));
                result.Add(new RecordLocation(index, path, offset, length));
                offset += length;
            }
        }

        return result;
    }

    /// <summary>The offset just after the last record of <paramref name="segmentPath"/>.</summary>
    public static long RecordsEnd(string directory, string segmentPath) =>
        Records(directory).Where(r => r.SegmentPath == segmentPath).Select(r => r.Offset + r.Length).DefaultIfEmpty(32).Max();

    public static byte[] ReadRecord(RecordLocation location) =>
        File.ReadAllBytes(location.SegmentPath).AsSpan((int)location.Offset, location.Length).ToArray();
}
