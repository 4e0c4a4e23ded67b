using System.Buffers;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Storage;
using TwinGuard.Ledger.Writing;

namespace TwinGuard.Ledger;

/// <summary>
/// The background pipeline: a hashing thread puts batches into the tree (in index order), a writing thread writes,
/// fsyncs and checkpoints them, so hashing batch k+1 overlaps the disk work of batch k.
/// </summary>
public sealed partial class LedgerWriter
{
    /// <summary>Sent from the hashing to the writing thread after each drain: "look at checkpoint requests now".</summary>
    private static readonly LedgerBatch Drained = new([]);

    private void Start()
    {
        // What the last run wrote after its last checkpoint (a crash signs nothing) is signed at the first drain.
        _checkpointDue = _tree.Size > (_lastCheckpoint?.TreeSize ?? 0);
        if (_options.CheckpointInterval != Timeout.InfiniteTimeSpan)
        {
            _timer = _time.CreateTimer(static state =>
            {
                var writer = (LedgerWriter)state!;
                writer._checkpointDue = true;
                try
                {
                    writer._wake.Release();
                    writer._urgent.Release();
                }
                catch (ObjectDisposedException)
                {
                    // The writer closed between the tick and the release.
                }
            }, this, _options.CheckpointInterval, _options.CheckpointInterval);
        }

        _hashThread = new Thread(HashLoop) { IsBackground = true, Name = "TwinGuard ledger hashing" };
        _writeThread = new Thread(WriteLoop) { IsBackground = true, Name = "TwinGuard ledger writing" };
        _writeThread.Start();
        _hashThread.Start();
        if (_checkpointDue)
        {
            _wake.Release();
            _urgent.Release();
        }
    }

    private void HashLoop()
    {
        try
        {
            while (true)
            {
                _wake.Wait();
                if (!UrgentWorkPending())
                {
                    // Let a batch gather (group commit); anything urgent cuts the wait short.
                    _urgent.Wait(_options.MaxBatchDelay);
                }

                while (_urgent.Wait(0))
                {
                }

                while (TryTake(out var batch))
                {
                    HashBatch(batch);
                    _hashed.Add(batch, _failed.Token);
                }

                bool closing;
                lock (_gate)
                {
                    closing = _closing && _sealed.Count == 0 && _current.Count == 0;
                }

                _hashed.Add(Drained, _failed.Token);
                if (closing)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_failed.IsCancellationRequested)
        {
            // The writing thread failed; it has reported why.
        }
#pragma warning disable CA1031 // Any failure of the pipeline must reach every caller, not kill the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Fail(ex);
        }
        finally
        {
            _hashed.CompleteAdding();
        }
    }

    private void WriteLoop()
    {
        try
        {
            foreach (var batch in _hashed.GetConsumingEnumerable())
            {
                if (!ReferenceEquals(batch, Drained))
                {
                    UntilWritten(() => WriteHashed(batch));
                    Recycle(batch);
                    CompleteFlushWaiters();
                    if (DurableCount - (_lastCheckpoint?.TreeSize ?? 0) >= _options.CheckpointEveryEntries && _signingStopped is null)
                    {
                        UntilWritten(WriteCheckpoint);
                    }

                    continue;
                }

                bool checkpointWanted;
                lock (_gate)
                {
                    checkpointWanted = _checkpointWaiters.Count > 0;
                }

                if (_signingStopped is null && (checkpointWanted || (_checkpointDue && DurableCount > (_lastCheckpoint?.TreeSize ?? 0))))
                {
                    _checkpointDue = false;
                    if (_lastCheckpoint is null || _lastCheckpoint.TreeSize != DurableCount)
                    {
                        UntilWritten(WriteCheckpoint);
                    }

                    CompleteCheckpointWaiters();
                }
            }

            if (_fault is null && _signingStopped is null && (_lastCheckpoint is null || _lastCheckpoint.TreeSize != DurableCount))
            {
                WriteCheckpoint(); // the final checkpoint on close
            }

            if (_lastCheckpoint is not null)
            {
                CompleteCheckpointWaiters();
            }
        }
#pragma warning disable CA1031 // Any failure of the pipeline must reach every caller, not kill the process.
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

    private bool UrgentWorkPending()
    {
        lock (_gate)
        {
            return _sealed.Count > 0 || _flushWaiters.Count > 0 || _checkpointWaiters.Count > 0 || _closing
                   || _checkpointDue;
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

    /// <summary>Hashes each record into the tree and stores its check bytes (hashing thread).</summary>
    private void HashBatch(LedgerBatch batch)
    {
        _hasher.HashInto(batch.Buffer, batch.Length, batch.FirstIndex, _tree);
        batch.SizeAfter = _tree.Size;
        _tree.Root(batch.RootAfter);
        _tree.Stack.CopyTo(batch.StackAfter);
        batch.StackLength = _tree.Stack.Length;
    }

    /// <summary>Writes a hashed batch with one call, fsyncs it if configured (writing thread).</summary>
    private void WriteHashed(LedgerBatch batch)
    {
        var records = batch.Buffer.AsSpan(0, batch.Length);
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

        batch.RootAfter.CopyTo(_durableRoot, 0);
        batch.StackAfter.AsSpan(0, batch.StackLength).CopyTo(_durableStack);
        _durableStackLength = batch.StackLength;
        Volatile.Write(ref _durable, batch.SizeAfter);
    }

    private void RollSegment(long firstIndex)
    {
        RandomAccess.FlushToDisk(_segment);
        var next = CreateSegment(_directory, firstIndex);
        _segment.Dispose();
        _segment = next;
        _segmentFirst = firstIndex;
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

    /// <summary>Signs the tree of everything durable and appends the checkpoint durably (writing thread).</summary>
    private void WriteCheckpoint()
    {
        // Version 2: the signature covers the c2sp.org/tlog-checkpoint note text, so the checkpoint is a signed note.
        var signature = SignVerified(DurableCount, _durableRoot);
        if (signature is null)
        {
            return; // never an unverifiable checkpoint: signing has stopped (LedgerWriter.Signing.cs)
        }

        var body = Checkpoint.Body(DurableCount, DateTimeOffset.UnixEpoch, _durableRoot, _key.PublicKey.KeyId, Checkpoint.NoteVersion);
        var checkpoint = Checkpoint.Decode([.. body, .. signature]);

        // The entries are already on disk (fsync'ed per batch, or now), so a checkpoint never covers lost data.
        if (!_options.FsyncEachBatch)
        {
            RandomAccess.FlushToDisk(_segment);
        }

        RandomAccess.Write(_checkpointFile, checkpoint.Encode(), _checkpointFileLength);
        RandomAccess.FlushToDisk(_checkpointFile);
        _checkpointFileLength += Checkpoint.EncodedSize;
        Volatile.Write(ref _lastCheckpoint, checkpoint);
        var state = new TreeState(DurableCount, _segmentFirst, _segmentLength, _durableStack[.._durableStackLength]);
        CheckpointSigned?.Invoke(checkpoint);
        CheckpointStateSigned?.Invoke(checkpoint, state);
        try
        {
            state.Write(_directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only a cache for a faster start; the next start re-hashes the log instead.
        }
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
            _fault ??= ex;
            var error = new IOException($"ledger writer for {_directory} failed: {_fault.Message}", _fault);
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

        _failed.Cancel();
        _room.Set();
    }
}
