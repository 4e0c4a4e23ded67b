using System.Buffers;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Storage;
using TwinGuard.Ledger.Writing;

namespace TwinGuard.Ledger;

/// <summary>The background flusher: hashes, writes and checkpoints batches in index order.</summary>
public sealed partial class LedgerWriter
{
    private void Start()
    {
        if (_options.CheckpointInterval != Timeout.InfiniteTimeSpan)
        {
            _timer = _time.CreateTimer(static state =>
            {
                var writer = (LedgerWriter)state!;
                writer._checkpointDue = true;
                try
                {
                    writer._wake.Release();
                }
                catch (ObjectDisposedException)
                {
                    // The writer closed between the tick and the release.
                }
            }, this, _options.CheckpointInterval, _options.CheckpointInterval);
        }

        _flusher = new Thread(FlushLoop) { IsBackground = true, Name = "TwinGuard ledger flusher" };
        _flusher.Start();
    }

    private void FlushLoop()
    {
        try
        {
            while (true)
            {
                _wake.Wait();
                while (TryTake(out var batch))
                {
                    WriteBatch(batch);
                    Recycle(batch);
                    CompleteFlushWaiters();
                    if (DurableCount - (_lastCheckpoint?.TreeSize ?? 0) >= _options.CheckpointEveryEntries)
                    {
                        WriteCheckpoint();
                    }
                }

                bool closing;
                bool checkpointWanted;
                lock (_gate)
                {
                    closing = _closing && _sealed.Count == 0 && _current.Count == 0;
                    checkpointWanted = _checkpointWaiters.Count > 0;
                }

                if (checkpointWanted || closing || (_checkpointDue && DurableCount > (_lastCheckpoint?.TreeSize ?? 0)))
                {
                    _checkpointDue = false;
                    if (_lastCheckpoint is null || _lastCheckpoint.TreeSize != DurableCount)
                    {
                        WriteCheckpoint();
                    }

                    CompleteCheckpointWaiters();
                }

                if (closing)
                {
                    break;
                }
            }
        }
#pragma warning disable CA1031 // Any failure of the flusher must reach every caller, not kill the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Fail(ex);
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    /// <summary>Takes the oldest sealed batch, else the current one if it has entries (group commit).</summary>
    private bool TryTake(out LedgerBatch batch)
    {
        lock (_gate)
        {
            if (_sealed.TryDequeue(out batch!))
            {
                return true;
            }

            if (_current.Count > 0)
            {
                batch = _current;
                Interlocked.Add(ref _pendingBytes, batch.Length);
                _current = _free.Count > 0 ? _free.Pop() : new LedgerBatch(ArrayPool<byte>.Shared.Rent(_options.MaxBatchBytes));
                return true;
            }

            _wakeRequested = false;
            return false;
        }
    }

    private void Recycle(LedgerBatch batch)
    {
        Interlocked.Add(ref _pendingBytes, -batch.Length);
        _room.Set();
        if (batch.Buffer.Length > _options.MaxBatchBytes * 2)
        {
            // An oversized buffer taken for one big payload goes back to the pool rather than staying pinned here.
            ArrayPool<byte>.Shared.Return(batch.Buffer);
            batch.Buffer = ArrayPool<byte>.Shared.Rent(_options.MaxBatchBytes);
        }

        batch.Reset();
        lock (_gate)
        {
            _free.Push(batch);
        }
    }

    /// <summary>Hashes each record into the tree, stores its check bytes, then writes the batch with one call.</summary>
    private void WriteBatch(LedgerBatch batch)
    {
        var records = batch.Buffer.AsSpan(0, batch.Length);
        Span<byte> leafHash = stackalloc byte[MerkleHash.Size];
        var offset = 0;
        while (offset < records.Length)
        {
            var length = RecordLengthAt(records, offset);
            RecordFormat.HashAndSeal(records.Slice(offset, length), length - RecordFormat.Overhead, leafHash);
            _tree.Append(leafHash);
            offset += length;
        }

        if (_segmentLength >= _options.SegmentBytes)
        {
            RollSegment(batch.FirstIndex);
        }

        RandomAccess.Write(_segment, records, _segmentLength);
        _segmentLength += records.Length;
        if (_options.FsyncEachBatch)
        {
            RandomAccess.FlushToDisk(_segment);
        }

        Volatile.Write(ref _durable, batch.FirstIndex + batch.Count);
    }

    private void RollSegment(long firstIndex)
    {
        RandomAccess.FlushToDisk(_segment);
        var next = CreateSegment(_directory, firstIndex);
        _segment.Dispose();
        _segment = next;
        _segmentLength = SegmentFormat.HeaderSize;
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle CreateSegment(string directory, long firstIndex)
    {
        var path = Path.Combine(directory, SegmentFormat.FileName(firstIndex));
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        SegmentFormat.WriteHeader(header, firstIndex);
        RandomAccess.Write(handle, header, 0);
        RandomAccess.FlushToDisk(handle);
        return handle;
    }

    /// <summary>Signs the tree as it stands (everything durable) and appends the checkpoint durably.</summary>
    private void WriteCheckpoint()
    {
        var root = _tree.Root();
        var body = Checkpoint.Body(_tree.Size, _time.GetUtcNow(), root, _key.PublicKey.KeyId);
        var checkpoint = Checkpoint.Decode([.. body, .. _key.Sign(body)]);

        // The entries are already on disk (fsync'ed per batch, or now), so a checkpoint never covers lost data.
        if (!_options.FsyncEachBatch)
        {
            RandomAccess.FlushToDisk(_segment);
        }

        RandomAccess.Write(_checkpointFile, checkpoint.Encode(), _checkpointFileLength);
        RandomAccess.FlushToDisk(_checkpointFile);
        _checkpointFileLength += Checkpoint.EncodedSize;
        Volatile.Write(ref _lastCheckpoint, checkpoint);
    }

    private void CompleteFlushWaiters()
    {
        var durable = DurableCount;
        lock (_gate)
        {
            for (var i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (_flushWaiters[i].Target <= durable)
                {
                    _flushWaiters[i].Done.TrySetResult();
                    _flushWaiters.RemoveAt(i);
                }
            }
        }
    }

    private void CompleteCheckpointWaiters()
    {
        var checkpoint = _lastCheckpoint!;
        lock (_gate)
        {
            for (var i = _checkpointWaiters.Count - 1; i >= 0; i--)
            {
                if (_checkpointWaiters[i].Target <= checkpoint.TreeSize)
                {
                    _checkpointWaiters[i].Done.TrySetResult(checkpoint);
                    _checkpointWaiters.RemoveAt(i);
                }
            }
        }
    }

    private void Fail(Exception ex)
    {
        lock (_gate)
        {
            _fault = ex;
            var error = new IOException($"ledger writer for {_directory} failed: {ex.Message}", ex);
            foreach (var (_, done) in _flushWaiters)
            {
                done.TrySetException(error);
            }

            foreach (var (_, done) in _checkpointWaiters)
            {
                done.TrySetException(error);
            }

            _flushWaiters.Clear();
            _checkpointWaiters.Clear();
        }

        _room.Set();
    }
}
