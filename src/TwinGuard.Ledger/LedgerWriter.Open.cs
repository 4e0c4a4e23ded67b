using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger;

/// <summary>Opening a ledger directory: key, checkpoints, rebuilding the tree, crash recovery.</summary>
public sealed partial class LedgerWriter
{
    /// <summary>
    /// Opens (creating if needed) the ledger in <paramref name="directory"/>, normally <c>&lt;data-dir&gt;/ledger</c>.
    /// </summary>
    /// <remarks>
    /// Every existing entry is re-read and re-hashed, and the tree must match the latest signed checkpoint.
    /// An incomplete or damaged tail in the newest segment beyond that checkpoint (a write cut short by a crash or
    /// power loss) is moved to <c>torn/</c>, not deleted, and a <see cref="LedgerEntryKind.TornTail"/> entry records
    /// it. Damage anywhere else is refused: appending to a log that no longer matches its signatures would hide it.
    /// </remarks>
    /// <exception cref="InvalidDataException">The ledger is damaged or tampered with below its latest checkpoint, or
    /// a key file is not a key; the message says which file and where.</exception>
    public static LedgerWriter Open(string directory, LedgerOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        System.IO.Directory.CreateDirectory(directory);
        var writerLock = LockDirectory(directory);
        ICheckpointSigner? key = null;
        try
        {
            var warnings = new List<string>();
            key = CheckpointSigners.Open(directory, options.Key, warnings);
            var writer = OpenWithKey(directory, options, time, key);
            writer._writerLock = writerLock;
            writer.Warnings = warnings;
            return writer;
        }
        catch
        {
            key?.Dispose();
            writerLock.Dispose();
            throw;
        }
    }

    /// <summary>One writer per ledger: an exclusive lock (flock on Unix) on <c>writer.lock</c>, released even on a crash.</summary>
    private static SafeFileHandle LockDirectory(string directory)
    {
        var path = Path.Combine(directory, LedgerFiles.WriterLock);
        try
        {
            return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"{directory}: another writer has this ledger open ({ex.Message})", ex);
        }
    }

    private static LedgerWriter OpenWithKey(string directory, LedgerOptions options, TimeProvider time, ICheckpointSigner key)
    {
        var torn = new List<(string File, long Offset, long Length, string SetAside, string Sha256, long FirstIndex, string Reason)>();
        var checkpointPath = Path.Combine(directory, LedgerFiles.Checkpoints);
        var last = CheckpointFile.ReadLast(directory, out var checkpointCount, out var tornCheckpointBytes);
        if (tornCheckpointBytes > 0)
        {
            var offset = checkpointCount * Checkpoint.EncodedSize;
            torn.Add(SetAside(directory, checkpointPath, offset, -1, "incomplete checkpoint at the end of the file"));
        }

        if (last is not null && !key.PublicKey.Verify(last))
        {
            throw new InvalidDataException(
                $"{checkpointPath}: the latest checkpoint (tree size {last.TreeSize}) is not signed by the configured signing key "
                + Convert.ToHexStringLower(key.PublicKey.KeyId)[..8]);
        }

        var signedSize = last?.TreeSize ?? 0;
        var scan = new LedgerScan(directory);
        CompactRange tree;
        ScanProblem? problem;
        var rootMatches = true;
        var resumed = TryResume(directory, last, scan, out var state, out var stateSegment);
        if (resumed)
        {
            // Resume at the newest checkpoint: its signed root vouches for the saved subtree roots.
            tree = CompactRange.Restore(state!.TreeSize, state.Stack);
            problem = scan.Run((in RecordView record) =>
            {
                tree.Append(record.LeafHash);
                return true;
            }, stateSegment, state.TreeSize, state.Offset);
        }
        else
        {
            var fullTree = new CompactRange();
            rootMatches = last is null || (last.TreeSize == 0 && last.RootHash.AsSpan().SequenceEqual(MerkleHash.EmptyRoot()));
            problem = scan.Run((in RecordView record) =>
            {
                fullTree.Append(record.LeafHash);
                if (fullTree.Size == signedSize)
                {
                    rootMatches = fullTree.Root().AsSpan().SequenceEqual(last!.RootHash);
                }

                return true;
            });
            tree = fullTree;
        }

        if (problem is not null)
        {
            var recoverable = problem.InLastSegment && problem.Index >= signedSize
                                                    && (problem.Offset > 0 || problem.Incomplete);
            if (!recoverable)
            {
                throw new InvalidDataException(
                    $"{problem.SegmentPath}: offset {problem.Offset}: {problem.Reason}; the ledger is not appended to until "
                    + "this is examined (twinguard ledger verify)");
            }

            torn.Add(SetAside(directory, problem.SegmentPath, problem.Offset, problem.Index, problem.Reason));
        }

        if (tree.Size < signedSize)
        {
            throw new InvalidDataException(
                $"{directory}: the ledger has {tree.Size} entries but checkpoint #{checkpointCount - 1} signs {signedSize}: "
                + "entries were removed");
        }

        if (!rootMatches)
        {
            throw new InvalidDataException(
                $"{directory}: the first {signedSize} entries do not match the root signed by the latest checkpoint; "
                + "the ledger is not appended to until this is examined (twinguard ledger verify)");
        }

        var segments = LedgerFiles.Segments(directory);
        SafeFileHandle segment;
        long segmentLength;
        long segmentFirst;
        if (segments.Count == 0)
        {
            segment = CreateSegment(directory, tree.Size);
            segmentLength = SegmentFormat.HeaderSize;
            segmentFirst = tree.Size;
        }
        else
        {
            segment = File.OpenHandle(segments[^1].Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            segmentLength = RandomAccess.GetLength(segment);
            segmentFirst = segments[^1].FirstIndex;
            if (problem?.SegmentPath != segments[^1].Path && scan.RecordEnds.TryGetValue(segments[^1].Path, out var end))
            {
                // Appends go where the records end; zeros after them are space the last run reserved. (A segment cut
                // at a torn tail ends at the cut.)
                segmentLength = end;
            }
        }

        var checkpointFile = File.OpenHandle(checkpointPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var writer = new LedgerWriter(directory, options, time, key, tree, segment, segmentFirst, segmentLength,
            checkpointFile, RandomAccess.GetLength(checkpointFile), last) { ResumedFromTreeState = resumed };
        writer._segmentReserved = RandomAccess.GetLength(segment);
        foreach (var t in torn)
        {
            writer.RecordTornTail(t.File, t.Offset, t.Length, t.SetAside, t.Sha256, t.FirstIndex, t.Reason);
        }

        if (torn.Count > 0)
        {
            // Recorded durably and signed before anyone appends, on this thread: the flusher is not running yet.
            while (writer.TryTake(out var batch))
            {
                writer.HashBatch(batch);
                writer._groupStart = 0;
                writer._groupOffset = writer._segmentLength;
                writer.WriteGroup([batch]);
                writer.PublishDurable(batch);
                writer.Recycle(batch);
            }

            writer.WriteCheckpoint();
        }

        writer.Start();
        return writer;
    }

    /// <summary>
    /// Whether <c>tree-state.tgs</c> can stand in for re-hashing the log: it is for the newest checkpoint's tree size,
    /// its subtree roots fold to that checkpoint's signed root, and its segment still reaches its offset.
    /// </summary>
    private static bool TryResume(string directory, Checkpoint? last, LedgerScan scan, out TreeState? state, out int segment)
    {
        segment = -1;
        state = last is null ? null : TreeState.TryRead(directory);
        if (state is null || state.TreeSize != last!.TreeSize)
        {
            return false;
        }

        var s = state;
        segment = scan.Segments.FindIndex(x => x.FirstIndex == s.SegmentFirstIndex);
        return segment >= 0
               && s.SegmentFirstIndex <= s.TreeSize
               && new FileInfo(scan.Segments[segment].Path).Length >= s.Offset
               && CompactRange.Restore(s.TreeSize, s.Stack).Root().AsSpan().SequenceEqual(last.RootHash);
    }

    private void RecordTornTail(string file, long offset, long length, string setAside, string sha256, long firstIndex,
        string reason)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("file", file);
            json.WriteNumber("offset", offset);
            json.WriteNumber("length", length);
            json.WriteString("setAside", setAside);
            json.WriteString("sha256", sha256);
            if (firstIndex >= 0)
            {
                json.WriteNumber("firstIndex", firstIndex);
            }

            json.WriteString("reason", reason);
            json.WriteEndObject();
        }

        var index = Append(LedgerEntryKind.TornTail, buffer.ToArray());
        _tornTails.Add(new TornTail(file, offset, length, setAside, sha256, firstIndex, reason, index));
    }

    /// <summary>
    /// Copies bytes [offset, end) of a file, without its trailing zeros, into <c>torn/</c> (fsync'ed), then truncates
    /// the file there (fsync'ed).
    /// A crash in between leaves the tail in place and the copy is simply made again on the next start.
    /// </summary>
    private static (string File, long Offset, long Length, string SetAside, string Sha256, long FirstIndex, string Reason)
        SetAside(string directory, string path, long offset, long firstIndex, string reason)
    {
        var tornDirectory = Path.Combine(directory, LedgerFiles.TornDirectory);
        System.IO.Directory.CreateDirectory(tornDirectory);
        var name = Path.GetFileName(path);
        var setAside = Path.Combine(LedgerFiles.TornDirectory,
            $"{name}.{offset.ToString("D20", CultureInfo.InvariantCulture)}.torn");
        byte[] tail;
        using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
        {
            var length = RandomAccess.GetLength(handle);
            tail = new byte[length - offset];
            var read = 0;
            while (read < tail.Length)
            {
                var n = RandomAccess.Read(handle, tail.AsSpan(read), offset + read);
                if (n == 0)
                {
                    throw new IOException($"{path}: shorter than expected while setting aside its tail");
                }

                read += n;
            }

            // Trailing zeros are the writer's reserved space (LedgerWriter.Reserve.cs), not part of what was torn.
            tail = tail.AsSpan().TrimEnd((byte)0).ToArray();
            using (var copy = new FileStream(Path.Combine(directory, setAside), FileMode.Create, FileAccess.Write))
            {
                copy.Write(tail);
                copy.Flush(flushToDisk: true);
            }

            RandomAccess.SetLength(handle, offset);
            RandomAccess.FlushToDisk(handle);
        }

        if (offset == 0)
        {
            // A segment whose header never made it to disk: its bytes are in torn/, the empty file is recreated.
            File.Delete(path);
        }

        return (name, offset, tail.Length, setAside.Replace('\\', '/'), Convert.ToHexStringLower(SHA256.HashData(tail)),
            firstIndex, reason);
    }
}
