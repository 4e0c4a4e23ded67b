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

    /// <summary>Most hashed batches written under one fsync.</summary>
    private const int MaxGroupBatches = 64;

    private bool _hashingEnded;

    /// <summary>In the group being written: the first batch not yet on disk, and where in the segment it starts.</summary>
    private int _groupStart;

    private long _groupOffset;

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
            while (!_failed.IsCancellationRequested)
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

                HashPending(wakeWriter: true);
                bool closing;
                bool drainWanted;
                lock (_gate)
                {
                    closing = _closing && _sealed.Count == 0 && _current.Count == 0;
                    drainWanted = closing || _checkpointDue || _checkpointWaiters.Count > 0;
                }

                if (drainWanted)
                {
                    // Only checkpoints look at drains: a round with none wanted wakes nobody.
                    EnqueueHashed(Drained);
                }

                if (closing)
                {
                    break;
                }
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
            Volatile.Write(ref _hashingEnded, true);
            _hashedReady.Release();
        }
    }

    private void EnqueueHashed(LedgerBatch batch)
    {
        _hashed.Enqueue(batch);
        _hashedReady.Release();
    }

    private void WriteLoop()
    {
        try
        {
            while (true)
            {
                _hashedReady.Wait();
                while (_hashedReady.Wait(0))
                {
                }

                // Under the commit lock for the whole round: a lone caller that finds it taken hands off to this thread.
                lock (_commitLock)
                {
                    if (CommitPending())
                    {
                        CheckpointAfterDrain();
                    }

                    // The hashing thread queues nothing after it has ended, so an empty queue then is the end.
                    if (Volatile.Read(ref _hashingEnded) && _hashed.IsEmpty && _group.Count == 0)
                    {
                        if (_fault is null && _signingStopped is null && (_lastCheckpoint is null || _lastCheckpoint.TreeSize != DurableCount))
                        {
                            WriteCheckpoint(); // the final checkpoint on close
                        }

                        ReleaseReserve();
                        _writingEnded = true;
                        break;
                    }
                }
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

    /// <summary>After a group is on disk: the tree it ends with is the durable one, its buffers go back, its waiters are told.</summary>
    private void FinishGroup(List<LedgerBatch> group)
    {
        PublishDurable(group[^1]);
        foreach (var batch in group)
        {
            Recycle(batch);
        }

        group.Clear();
        CompleteFlushWaiters();
    }

    /// <summary>Signs what checkpoint requests and the timer ask for, once the hashing thread has drained (writing thread).</summary>
    private void CheckpointAfterDrain()
    {
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

    /// <summary>
    /// Moves up to <see cref="MaxGroupBatches"/> hashed batches, oldest first, into <paramref name="group"/>; returns
    /// true when a drain marker was among them (checkpoint requests are then looked at after the write).
    /// </summary>
    private bool TakeGroup(List<LedgerBatch> group)
    {
        var drained = false;
        while (group.Count < MaxGroupBatches && _hashed.TryDequeue(out var next))
        {
            if (ReferenceEquals(next, Drained))
            {
                drained = true;
            }
            else
            {
                group.Add(next);
            }
        }

        return drained;
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

    /// <summary>
    /// Writes a group of hashed batches, one write call each, into the segment's reserved space, and syncs them once
    /// if configured (writing thread).
    /// </summary>
    /// <remarks>
    /// A retry (<see cref="UntilWritten"/>) writes again every batch not yet known to be on disk, from where the first
    /// of them started, rather than only repeating the fsync: after a failed fsync Linux may drop the dirty pages and
    /// report the next fsync a success. A segment roll inside the group fsyncs the batches before it, so a retry
    /// starts after them.
    /// </remarks>
    private void WriteGroup(List<LedgerBatch> group)
    {
        _segmentLength = _groupOffset;
        for (var i = _groupStart; i < group.Count; i++)
        {
            var batch = group[i];
            if (_segmentLength >= _options.SegmentBytes)
            {
                RollSegment(batch.FirstIndex);
                _groupStart = i;
                _groupOffset = _segmentLength;
            }

            var records = batch.Buffer.AsSpan(0, batch.Length);
            Reserve(_segmentLength + records.Length);
            RandomAccess.Write(_segment, records, _segmentLength);
            _segmentLength += records.Length;
        }

        if (_options.FsyncEachBatch)
        {
            SegmentSyncing?.Invoke(group[^1].SizeAfter);
            DataSync.Flush(_segment); // over reserved zeros: no metadata to commit (LedgerWriter.Reserve.cs)
            SegmentSynced?.Invoke(group[^1].SizeAfter);
        }
    }

    /// <summary>Makes the tree after <paramref name="last"/> the durable one (writing thread, once its group is on disk).</summary>
    private void PublishDurable(LedgerBatch last)
    {
        last.RootAfter.CopyTo(_durableRoot, 0);
        last.StackAfter.AsSpan(0, last.StackLength).CopyTo(_durableStack);
        _durableStackLength = last.StackLength;
        Volatile.Write(ref _durable, last.SizeAfter);
    }

    private void RollSegment(long firstIndex)
    {
        RandomAccess.FlushToDisk(_segment);
        var next = CreateSegment(_directory, firstIndex);
        _segment.Dispose();
        _segment = next;
        _segmentFirst = firstIndex;
        _segmentLength = SegmentFormat.HeaderSize;
        _segmentReserved = SegmentFormat.HeaderSize;
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

    /// <summary>
    /// Completes the waits that the durable entries satisfy, outside <see cref="_gate"/>: the waits of
    /// <see cref="CommitAsync"/> run their continuations here, on the thread that finished the fsync.
    /// </summary>
    private void CompleteFlushWaiters()
    {
        var durable = DurableCount;
        List<TaskCompletionSource>? done = null;
        lock (_gate)
        {
            for (var i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (_flushWaiters[i].Target <= durable)
                {
                    (done ??= []).Add(_flushWaiters[i].Done);
                    _flushWaiters.RemoveAt(i);
                }
            }
        }

        if (done is null)
        {
            return;
        }

        for (var i = done.Count - 1; i >= 0; i--)
        {
            done[i].TrySetResult(); // oldest first
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
