using TwinGuard.Ledger.Writing;

namespace TwinGuard.Ledger;

/// <summary>
/// Group commit for callers that acknowledge what they appended (the broker's PUBACK). Whoever holds
/// <see cref="_commitLock"/> is the committer: it hashes, writes and syncs everything pending in one pass (the leader
/// syncs for everyone who appended before it started) and completes the waits that sync covered on its own thread, so
/// the acknowledgements leave from there. Usually the writing thread; a lone caller when the writing thread is idle.
/// </summary>
/// <remarks>
/// <para>Two ways in, chosen by the caller (<see cref="AppendAndCommitAsync"/>'s <c>alone</c>):</para>
/// <para>Hand-off: a broker connection with several publishes in flight must not do the disk work itself. A receive loop
/// that waited for its own sync read nothing meanwhile, so a client with 20 publishes in flight got one sync per publish
/// (1.9-3.2 per sync, measured); handed to the writing thread, the loop goes on reading, and what it appends meanwhile
/// shares the next sync. One wake of the writing thread per group, none per entry (the entry is appended without waking
/// the hashing thread, the committer hashes it), and none at all when it is still busy with the previous group.</para>
/// <para>On the caller's thread: a device with one publish in flight has nothing else for its receive loop to read
/// until it is acknowledged, and the hand-off cost it a thread wake-up per publish (PUBACK p99 4-6 -> 10 ms at 4 Hz,
/// measured). When the writing thread is not committing (<see cref="_commitLock"/> free), that caller commits itself,
/// everything pending with it, and its task is complete when the call returns. When the lock is taken, it hands off
/// as above: it never waits for another committer. It never retries a failed write either (the writing thread does,
/// every <see cref="RetryDelay"/>), nor signs a checkpoint: both are left to the writing thread.</para>
/// <para>The tree is only hashed under <see cref="_hashLock"/>, so the hashing thread (appends nobody waits for) and the
/// committer take turns, in index order.</para>
/// </remarks>
public sealed partial class LedgerWriter
{
    private readonly Lock _hashLock = new();

    /// <summary>Held by the committer: the writing thread for each of its rounds, or a lone caller (<see cref="TryCommitHere"/>).</summary>
    private readonly Lock _commitLock = new();

    /// <summary>The group being written (under <see cref="_commitLock"/>); left non-empty by a caller whose write failed, for the writing thread to retry.</summary>
    private readonly List<LedgerBatch> _group = new(MaxGroupBatches);

    /// <summary>A caller's group took the hashing thread's drain marker: the writing thread looks at checkpoint requests next (under <see cref="_commitLock"/>).</summary>
    private bool _drainTaken;

    /// <summary>The writing thread has written its final checkpoint (under <see cref="_commitLock"/>): no caller commits after it.</summary>
    private bool _writingEnded;

    /// <summary>Groups committed on a caller's thread, and groups the writing thread committed, since the writer opened.</summary>
    private long _callerCommits;

    private long _writerCommits;

    /// <summary>Groups committed on a caller's thread (<see cref="AppendAndCommitAsync"/> with <c>alone</c>) since the writer opened.</summary>
    public long CallerCommits => Interlocked.Read(ref _callerCommits);

    /// <summary>Groups the writing thread committed since the writer opened.</summary>
    public long WriterCommits => Interlocked.Read(ref _writerCommits);

    /// <summary>
    /// Appends one entry and completes when it (and every entry before it) is durable. Continuations run on the thread
    /// that finished the sync (the writing thread, or another caller's), so they must be short (such as sending an
    /// acknowledgement). Faults with an <see cref="IOException"/> when the disk refuses writes.
    /// </summary>
    /// <param name="kind">The entry's kind.</param>
    /// <param name="payload">The entry's payload, copied before returning.</param>
    /// <param name="alone">
    /// The caller has nothing else to do until this entry is durable (a connection with no other publish in flight):
    /// when no commit is running, it writes and syncs on this thread and the returned task is already complete, without
    /// waking the writing thread. Otherwise, and when false, the writing thread commits it.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Append"/>.</exception>
    /// <exception cref="IOException">As <see cref="Append"/>: the writer failed, or memory is full while the disk refuses writes.</exception>
    public Task AppendAndCommitAsync(LedgerEntryKind kind, ReadOnlySpan<byte> payload, bool alone = false)
    {
        var index = AppendEntry(kind, payload, wakeHasher: false);
        if (alone)
        {
            TryCommitHere();
        }

        return CommitAsync(index); // already complete when committed here; else the writing thread commits it
    }

    /// <summary>
    /// Completes when the entry <paramref name="index"/> (and every entry before it) is durable, as
    /// <see cref="AppendAndCommitAsync"/>: the writing thread commits it at once, with whatever else is pending.
    /// </summary>
    public Task CommitAsync(long index) => WaitForDurable(index + 1, commit: true);

    /// <summary>Hashes every batch appended so far into the tree and queues it for writing, in index order.</summary>
    /// <remarks>Under <see cref="_hashLock"/>: the hashing thread and the committer take turns.</remarks>
    /// <param name="wakeWriter">Wake the writing thread for each batch (false for the committer, which writes them itself).</param>
    private void HashPending(bool wakeWriter)
    {
        lock (_hashLock)
        {
            while (TryTake(out var batch))
            {
                HashBatch(batch);
                _hashed.Enqueue(batch);
                if (wakeWriter)
                {
                    _hashedReady.Release();
                }
            }
        }
    }

    /// <summary>
    /// Commits on the caller's thread when nobody else commits: hashes what is pending, writes and syncs it as one group
    /// and completes the waits it covers. Does nothing when the writing thread (or another caller) is committing or the
    /// disk refuses writes: the caller then hands off.
    /// </summary>
    private void TryCommitHere()
    {
        if (_writeError is not null || !_commitLock.TryEnter())
        {
            return;
        }

        var handOff = false;
        try
        {
            if (_writingEnded || _fault is not null)
            {
                return; // closed or failed: nothing may be written after the final checkpoint; CommitAsync reports it
            }

            if (_group.Count > 0)
            {
                return; // a failed group waits for the writing thread's retry, and everything after it with it
            }

            _drainTaken |= TakeNextGroup(hash: true);
            if (_group.Count > 0)
            {
                try
                {
                    WriteGroup(_group);
                    FinishGroup(_group);
                    Interlocked.Increment(ref _callerCommits);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Left in _group: the writing thread writes it again from its start, reports the error and fails the waits.
                    Interlocked.Increment(ref _writeFailures);
                    handOff = true;
                }
            }

            handOff |= _drainTaken || CheckpointCountDue();
        }
        finally
        {
            _commitLock.Exit();
            if (handOff)
            {
                _hashedReady.Release(); // what is left for the writing thread: a retry, a checkpoint
            }
        }
    }

    /// <summary>
    /// Writes and syncs, group after group, a group a caller left, everything hashed and everything a committing caller
    /// waits for, until nothing is left (writing thread, under <see cref="_commitLock"/>); true when a drain marker was
    /// among the groups.
    /// </summary>
    private bool CommitPending()
    {
        var drained = _drainTaken;
        _drainTaken = false;
        while (true)
        {
            if (_group.Count == 0)
            {
                // A caller waits: hash what it appended here rather than wake the hashing thread for it.
                drained |= TakeNextGroup(hash: CommitWanted());
                if (_group.Count == 0)
                {
                    SignIfCountDue();
                    return drained;
                }
            }

            UntilWritten(() => WriteGroup(_group));
            FinishGroup(_group);
            Interlocked.Increment(ref _writerCommits);
            SignIfCountDue();
        }
    }

    /// <summary>
    /// Group commit: takes every batch hashed so far (after hashing what is pending, when <paramref name="hash"/>) into
    /// <see cref="_group"/>, to share one write pass and one sync, so the senders waiting on any of them are released
    /// together; true when a drain marker was among them.
    /// </summary>
    private bool TakeNextGroup(bool hash)
    {
        if (hash)
        {
            HashPending(wakeWriter: false);
        }

        var drained = TakeGroup(_group);
        _groupStart = 0;
        _groupOffset = _segmentLength;
        return drained;
    }

    private bool CheckpointCountDue() =>
        DurableCount - (Volatile.Read(ref _lastCheckpoint)?.TreeSize ?? 0) >= _options.CheckpointEveryEntries && _signingStopped is null;

    /// <summary>Signs a checkpoint once enough entries are durable since the last one (writing thread).</summary>
    private void SignIfCountDue()
    {
        if (CheckpointCountDue())
        {
            UntilWritten(WriteCheckpoint);
        }
    }

    /// <summary>True when a caller waits for an entry that is not durable yet.</summary>
    private bool CommitWanted()
    {
        lock (_gate)
        {
            return _flushWaiters.Count > 0;
        }
    }
}
