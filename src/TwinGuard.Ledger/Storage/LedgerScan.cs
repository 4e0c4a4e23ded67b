using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using TwinGuard.Ledger.Merkle;

namespace TwinGuard.Ledger.Storage;

/// <summary>
/// Reads every segment of a ledger directory in order, checks the framing of each record (marker, version,
/// index continuity, check bytes) and hands valid records to a visitor. Stops at the first problem.
/// </summary>
internal sealed class LedgerScan
{
    private const int ChunkSize = 4 * 1024 * 1024;
    private const int PreHashBatch = 16384;
    private long[] _preOffsets = [];
    private int[] _prePositions = [];
    private int[] _preLengths = [];
    private byte[] _preHashes = [];
    private int _preCount;
    private int _preNext;

    public LedgerScan(string directory)
    {
        Segments = LedgerFiles.Segments(directory);
    }

    /// <summary>
    /// For a scan that stops (its visitor returns false) before entry <see cref="StopAt"/>: reads and pre-hashes no
    /// more than it needs (a proof that reads a few hundred entries must not read 4 MiB and hash 16,384 of them).
    /// </summary>
    public long StopAt { get; init; } = long.MaxValue;

    public List<(long FirstIndex, string Path)> Segments { get; }

    /// <summary>Entries read so far (the index of the next expected entry).</summary>
    public long Count { get; private set; }

    /// <summary>Path of the last segment read and the offset just after its last valid record.</summary>
    public (string? Path, long EndOffset) Tail { get; private set; }

    /// <summary>For each segment read to its end: the offset just after its last record (zeros may follow it).</summary>
    public Dictionary<string, long> RecordEnds { get; } = new(StringComparer.Ordinal);

    /// <summary>Scans all segments, starting with segment number <paramref name="fromSegment"/>.</summary>
    /// <returns>Null when every segment is well formed, else the first problem.</returns>
    public ScanProblem? Run(RecordVisitor visitor, int fromSegment = 0) =>
        Run(visitor, fromSegment, fromSegment < Segments.Count ? Segments[fromSegment].FirstIndex : 0, 0);

    /// <summary>
    /// Scans from byte <paramref name="fromOffset"/> of segment <paramref name="fromSegment"/>, where entry
    /// <paramref name="fromIndex"/> is expected (0 for the segment's first record).
    /// </summary>
    public ScanProblem? Run(RecordVisitor visitor, int fromSegment, long fromIndex, long fromOffset)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            Count = fromIndex;
            for (var s = fromSegment; s < Segments.Count; s++)
            {
                var problem = ScanSegment(s, ref buffer, visitor, s == fromSegment ? fromOffset : 0, out var stopped);
                if (problem is not null || stopped)
                {
                    return problem;
                }
            }

            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ScanProblem? ScanSegment(int s, ref byte[] buffer, RecordVisitor visitor, long startOffset, out bool stopped)
    {
        stopped = false;
        var (first, path) = Segments[s];
        var last = s == Segments.Count - 1;
        Tail = (path, 0);
        if (startOffset > SegmentFormat.HeaderSize ? first > Count : first != Count)
        {
            return new ScanProblem(Count, path, 0,
                first > Count
                    ? $"entries {Count}..{first - 1} are missing: segment starts at entry {first}"
                    : $"segment starts at entry {first}, but entries up to {Count - 1} came before it",
                last, false);
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var fileLength = RandomAccess.GetLength(handle);
        if (fileLength < SegmentFormat.HeaderSize)
        {
            return new ScanProblem(Count, path, 0, $"segment header is incomplete ({fileLength} of 32 bytes)", last, true);
        }

        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        RandomAccess.Read(handle, header, 0);
        if (SegmentFormat.CheckHeader(header, first) is { } headerProblem)
        {
            return new ScanProblem(Count, path, 0, headerProblem, last, false);
        }

        Span<byte> ownHash = stackalloc byte[MerkleHash.Size];
        var bufferStart = Math.Max(startOffset, SegmentFormat.HeaderSize); // file offset of buffer[0]
        var filled = 0;
        var pos = 0;
        while (true)
        {
            var offset = bufferStart + pos;
            Tail = (path, offset);
            if (offset == fileLength
                || ((!Ensure(handle, ref buffer, ref bufferStart, ref filled, ref pos, 2, fileLength, ReadLimit) || buffer[pos + 1] == 0)
                    && OnlyZerosFrom(handle, offset, fileLength)))
            {
                // The end of the records; zeros after them are space the writer reserved (docs/ledger-format.md §Segments).
                RecordEnds[path] = offset;
                return null;
            }

            // Make sure the header (and then the whole record) is in the buffer.
            if (!Ensure(handle, ref buffer, ref bufferStart, ref filled, ref pos, RecordFormat.HeaderSize, fileLength, ReadLimit))
            {
                return new ScanProblem(Count, path, offset,
                    $"file ends inside the header of entry {Count} ({fileLength - offset} of {RecordFormat.HeaderSize} bytes)",
                    last, true);
            }

            var head = buffer.AsSpan(pos, RecordFormat.HeaderSize);
            if (head[0] != 0x00 || head[1] != RecordFormat.Version)
            {
                return new ScanProblem(Count, path, offset,
                    $"entry {Count} does not start with 00 01 (found {head[0]:x2} {head[1]:x2})", last, false);
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(head[4..]);
            if (length is < 0 or > RecordFormat.MaxPayloadLength)
            {
                return new ScanProblem(Count, path, offset, $"entry {Count} has an impossible payload length {length}",
                    last, false);
            }

            var recordLength = RecordFormat.RecordLength(length);
            if (!Ensure(handle, ref buffer, ref bufferStart, ref filled, ref pos, recordLength, fileLength, ReadLimit))
            {
                return new ScanProblem(Count, path, offset,
                    $"file ends inside entry {Count} ({fileLength - offset} of {recordLength} bytes)", last, true);
            }

            var record = buffer.AsSpan(pos, recordLength);
            var index = BinaryPrimitives.ReadInt64BigEndian(record[8..]);
            if (index != Count)
            {
                return new ScanProblem(Count, path, offset,
                    $"entry {Count} expected here, found entry {index} (deleted, duplicated or reordered entries)",
                    last, false);
            }

            var kind = BinaryPrimitives.ReadUInt16BigEndian(record[2..]);
            if (kind == 0)
            {
                return new ScanProblem(Count, path, offset, $"entry {Count} has kind 0", last, false);
            }

            // RFC 6962 §2.1: the record starts with the 0x00 leaf prefix, so this is SHA-256(0x00 || d(i)).
            // Leaf hashes are computed ahead, in parallel, for the records already in the buffer.
            if (_preNext >= _preCount || _preOffsets[_preNext] != offset)
            {
                PreHash(buffer, pos, filled, bufferStart);
            }

            var leafHash = ownHash;
            if (_preNext < _preCount && _preOffsets[_preNext] == offset)
            {
                _preHashes.AsSpan(_preNext * MerkleHash.Size, MerkleHash.Size).CopyTo(leafHash);
                _preNext++;
            }
            else
            {
                Merkle.Sha256.Hash(record[..(RecordFormat.HeaderSize + length)], leafHash);
            }

            if (!leafHash[..RecordFormat.CheckSize].SequenceEqual(record[(RecordFormat.HeaderSize + length)..]))
            {
                return new ScanProblem(Count, path, offset,
                    $"entry {Count} does not match its check bytes (its content was altered or damaged)", last, false);
            }

            var view = new RecordView(index, (LedgerEntryKind)kind, BinaryPrimitives.ReadInt64BigEndian(record[16..]),
                record.Slice(RecordFormat.HeaderSize, length), leafHash, s, offset);
            pos += recordLength;
            Count++;
            if (!visitor(in view))
            {
                Tail = (path, bufferStart + pos);
                stopped = true;
                return null;
            }
        }
    }

    /// <summary>Whether bytes [<paramref name="offset"/>, <paramref name="fileLength"/>) are all zero.</summary>
    private static bool OnlyZerosFrom(SafeFileHandle handle, long offset, long fileLength)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (offset < fileLength)
            {
                var read = RandomAccess.Read(handle, chunk.AsSpan(0, (int)Math.Min(chunk.Length, fileLength - offset)), offset);
                if (read == 0 || chunk.AsSpan(0, read).ContainsAnyExcept((byte)0))
                {
                    return read == 0;
                }

                offset += read;
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// Finds the records that lie whole in buffer[pos..filled) and look well formed, and computes their leaf hashes
    /// on all cores. The sequential checks then use these hashes; anything not pre-hashed is hashed in line.
    /// </summary>
    private void PreHash(byte[] buffer, int pos, int filled, long bufferStart)
    {
        _preCount = 0;
        _preNext = 0;
        var p = pos;
        var wanted = (int)Math.Clamp(StopAt - Count, 1, PreHashBatch);
        if (_preOffsets.Length < wanted)
        {
            // Sized at first use: 768 KiB for a whole-log scan, a few KiB for a proof's few hundred entries.
            _preOffsets = new long[wanted];
            _prePositions = new int[wanted];
            _preLengths = new int[wanted];
            _preHashes = new byte[wanted * MerkleHash.Size];
        }

        while (_preCount < wanted && p + RecordFormat.HeaderSize <= filled)
        {
            if (buffer[p] != 0x00 || buffer[p + 1] != RecordFormat.Version)
            {
                break;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(p + 4));
            if (length is < 0 or > RecordFormat.MaxPayloadLength || p + RecordFormat.RecordLength(length) > filled)
            {
                break;
            }

            _preOffsets[_preCount] = bufferStart + p;
            _prePositions[_preCount] = p;
            _preLengths[_preCount] = RecordFormat.HeaderSize + length;
            _preCount++;
            p += RecordFormat.RecordLength(length);
        }

        var count = _preCount;
        var workers = count >= 1024 ? Math.Min(Environment.ProcessorCount, 4) : 1;
        if (workers == 1)
        {
            HashRange(buffer, 0, count);
            return;
        }

        Parallel.For(0, workers, w => HashRange(buffer, count * w / workers, count * (w + 1) / workers));
    }

    private void HashRange(byte[] buffer, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            Merkle.Sha256.Hash(buffer.AsSpan(_prePositions[i], _preLengths[i]),
                _preHashes.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
        }
    }

    /// <summary>Ensures buffer[pos..pos+needed) holds file bytes; false when the file ends first.</summary>
    /// <summary>Most bytes one read asks for: the whole buffer, or 64 KiB at a time for a scan with a near <see cref="StopAt"/>.</summary>
    private int ReadLimit => StopAt == long.MaxValue ? int.MaxValue : 64 * 1024;

    private static bool Ensure(SafeFileHandle handle, ref byte[] buffer, ref long bufferStart, ref int filled,
        ref int pos, int needed, long fileLength, int readLimit)
    {
        if (filled - pos >= needed)
        {
            return true;
        }

        if (bufferStart + pos + needed > fileLength)
        {
            return false;
        }

        // Move the unread rest to the front, grow if one record is bigger than the buffer, then read on.
        var rest = filled - pos;
        if (needed > buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(needed);
            buffer.AsSpan(pos, rest).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = bigger;
        }
        else
        {
            buffer.AsSpan(pos, rest).CopyTo(buffer);
        }

        bufferStart += pos;
        pos = 0;
        filled = rest;
        while (filled < needed)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(filled, Math.Min(buffer.Length - filled, Math.Max(readLimit, needed - filled))), bufferStart + filled);
            if (read == 0)
            {
                return false;
            }

            filled += read;
        }

        return true;
    }
}
