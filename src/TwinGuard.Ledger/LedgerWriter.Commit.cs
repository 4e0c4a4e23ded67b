using TwinGuard.Ledger.Writing;

namespace TwinGuard.Ledger;

/// <summary>
/// Leader-follower group commit: a caller that needs its entry durable (the broker's PUBACK) hashes, writes and fsyncs
/// what is pending on its own thread when nobody else is writing, instead of handing the work to the hashing thread,
/// then the writing thread, then a pool thread to hear back.
/// </summary>
/// <remarks>
/// Each hand-off between threads waits for a core, and on a machine shared with other work that costs more than the
/// fsync itself; the caller that leads pays none of them. When the writing thread (or another leader) is writing, the
/// caller follows: it waits, and whoever finishes the fsync that covers its entry completes the wait on its own
/// thread. The tree is only hashed under <see cref="_hashLock"/> and the segment only written under
/// <see cref="_writeLock"/>, whoever does it, so entries reach the disk in index order; batches move between the two
/// stages through one queue, taken under <see cref="_writeLock"/> in the order they were hashed.
/// </remarks>
public sealed partial class LedgerWriter
{
    private readonly Lock _hashLock = new();
    private readonly Lock _writeLock = new();
    private readonly List<LedgerBatch> _leaderGroup = new(MaxGroupBatches);

    /// <summary>A group a leader could not write: the writing thread retries it first (under <see cref="_writeLock"/>).</summary>
    private readonly List<LedgerBatch> _carried = new(MaxGroupBatches);

    private bool _hashingEnded;
    private bool _writerDone;

    /// <summary>
    /// Completes when the entry <paramref name="index"/> (and every entry before it) is durable, doing the disk work
    /// on the calling thread when no other thread is writing; faults with an <see cref="IOException"/> when the disk
    /// refuses writes.
    /// </summary>
    /// <remarks>
    /// The caller may block for one write and fsync. Continuations of the returned task run on the thread that
    /// finished the fsync (this one, the writing thread or another caller's): they must be short, such as sending
    /// an acknowledgement.
    /// </remarks>
    public Task CommitAsync(long index)
    {
        var target = index + 1;
        if (Volatile.Read(ref _durable) >= target)
        {
            return Task.CompletedTask;
        }

        return TryLead(target) ? Task.CompletedTask : WaitForDurable(target, inline: true);
    }

    /// <summary>
    /// Hashes, writes and fsyncs every pending entry on this thread when no other thread is writing; true when
    /// <paramref name="target"/> entries are then durable.
    /// </summary>
    private bool TryLead(long target)
    {
        if (_writeError is not null || !_writeLock.TryEnter())
        {
            return false; // the writing thread (or a leader) is at the disk: follow
        }

        var group = _leaderGroup;
        try
        {
            if (_writerDone || _carried.Count > 0 || _writeError is not null)
            {
                return false;
            }

            HashPending(wakeWriter: false);
            var drained = TakeGroup(group);
            if (drained || !_hashed.IsEmpty)
            {
                // What this group left (a drain marker, more than one group) is the writing thread's.
                if (drained)
                {
                    _hashed.Enqueue(Drained);
                }

                _hashedReady.Release();
            }

            if (group.Count == 0)
            {
                return Volatile.Read(ref _durable) >= target;
            }

            _groupStart = 0;
            _groupOffset = _segmentLength;
            try
            {
                WriteGroup(group);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The writing thread retries it from where it started, reports the failure and fails the waiters.
                _carried.AddRange(group);
                group.Clear();
                _hashedReady.Release();
                return false;
            }

            PublishDurable(group[^1]);
            foreach (var batch in group)
            {
                Recycle(batch);
            }

            group.Clear();
            if (DurableCount - (_lastCheckpoint?.TreeSize ?? 0) >= _options.CheckpointEveryEntries)
            {
                // Signed by the writing thread after the hashing thread's next drain.
                _checkpointDue = true;
                _wake.Release();
                _urgent.Release();
            }
        }
        finally
        {
            _writeLock.Exit();
        }

        CompleteFlushWaiters(); // the followers whose entries this fsync covered, on this thread
        return Volatile.Read(ref _durable) >= target;
    }
}
